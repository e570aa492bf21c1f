//! A compact summary of the generated public surface, for snapshot review.
