//! PNG rendering from a recipe, row by row (so any size streams in constant memory).

use std::io::Write;
use std::sync::Arc;

use super::input::Thumb;

/// How an image's pixels are made.
#[derive(Debug, Clone)]
pub(crate) enum Style {
    /// A generated picture (gradient and soft stripes in colours drawn from the seed). RGB.
    Generated,
    /// Follows the input image (its thumbnail, stretched), optionally tinted (edits). RGB.
    Derived {
        thumb: Option<Arc<Thumb>>,
        tint: bool,
    },
    /// Background removal: the subject (a centred ellipse) kept opaque, the rest fully transparent. RGBA.
    Cutout { thumb: Option<Arc<Thumb>> },
}

/// Everything needed to render one image.
#[derive(Debug, Clone)]
pub(crate) struct ImageRecipe {
    pub width: u32,
    pub height: u32,
    pub seed: u64,
    pub style: Style,
}

fn palette(seed: u64) -> ([f32; 3], [f32; 3]) {
    let c = |shift: u32| ((seed >> shift) & 0xFF) as f32;
    (
        [c(0), c(8), c(16)],
        [255.0 - c(24), 255.0 - c(32), c(40).max(64.0)],
    )
}

impl ImageRecipe {
    /// Whether the PNG carries an alpha channel.
    pub fn has_alpha(&self) -> bool {
        matches!(self.style, Style::Cutout { .. })
    }

    fn bytes_per_pixel(&self) -> usize {
        if self.has_alpha() { 4 } else { 3 }
    }

    fn fill_row(&self, y: u32, row: &mut [u8]) {
        let (a, b) = palette(self.seed);
        let w = self.width.max(1) as f32;
        let h = self.height.max(1) as f32;
        // Rows change in steps of 8 so most rows compress to nothing with the Up filter.
        let fy = ((y / 8) * 8) as f32 / h;
        let stripe = if (y / 32).is_multiple_of(2) {
            0.0
        } else {
            18.0
        };
        let bpp = self.bytes_per_pixel();
        for (x, px) in row.chunks_exact_mut(bpp).enumerate() {
            let fx = x as f32 / w;
            let base = [
                a[0] + (b[0] - a[0]) * fx,
                a[1] + (b[1] - a[1]) * fy,
                (a[2] + b[2]) * 0.5 + stripe,
            ];
            match &self.style {
                Style::Generated => {
                    px[0] = base[0] as u8;
                    px[1] = base[1] as u8;
                    px[2] = base[2].min(255.0) as u8;
                }
                Style::Derived { thumb, tint } => {
                    let src = match thumb {
                        Some(t) => {
                            let p = t.sample(fx, fy);
                            [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])]
                        }
                        None => base,
                    };
                    for c in 0..3 {
                        let v = if *tint {
                            src[c] * 0.75 + b[c] * 0.25
                        } else {
                            src[c]
                        };
                        px[c] = v.clamp(0.0, 255.0) as u8;
                    }
                }
                Style::Cutout { thumb } => {
                    let dx = (fx - 0.5) / 0.35;
                    let dy = (y as f32 / h - 0.5) / 0.42;
                    if dx * dx + dy * dy <= 1.0 {
                        let src = match thumb {
                            Some(t) => {
                                let p = t.sample(fx, fy);
                                [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])]
                            }
                            None => base,
                        };
                        px[0] = src[0].clamp(0.0, 255.0) as u8;
                        px[1] = src[1].clamp(0.0, 255.0) as u8;
                        px[2] = src[2].clamp(0.0, 255.0) as u8;
                        px[3] = 255;
                    } else {
                        px.copy_from_slice(&[0, 0, 0, 0]);
                    }
                }
            }
        }
    }

    /// Encodes the image as PNG into `out`.
    pub fn encode<W: Write>(&self, out: W) -> Result<(), png::EncodingError> {
        let mut enc = png::Encoder::new(out, self.width, self.height);
        enc.set_color(if self.has_alpha() {
            png::ColorType::Rgba
        } else {
            png::ColorType::Rgb
        });
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        enc.set_filter(png::Filter::Up);
        let mut writer = enc.write_header()?;
        {
            let mut stream = writer.stream_writer_with_size(64 * 1024)?;
            let mut row = vec![0u8; self.width as usize * self.bytes_per_pixel()];
            for y in 0..self.height {
                self.fill_row(y, &mut row);
                stream.write_all(&row)?;
            }
            stream.finish()?;
        }
        writer.finish()
    }

    /// Encodes into memory.
    pub fn to_vec(&self) -> Result<Vec<u8>, png::EncodingError> {
        let mut out = Vec::new();
        self.encode(&mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let mut r = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        let info = r.next_frame(&mut buf).unwrap();
        (info, buf)
    }

    #[test]
    fn generated_images_have_the_requested_size() {
        let r = ImageRecipe {
            width: 70,
            height: 33,
            seed: 42,
            style: Style::Generated,
        };
        let (info, _) = decode(&r.to_vec().unwrap());
        assert_eq!((info.width, info.height), (70, 33));
        assert_eq!(info.color_type, png::ColorType::Rgb);
    }

    #[test]
    fn cutouts_are_transparent_around_the_subject() {
        let r = ImageRecipe {
            width: 20,
            height: 20,
            seed: 1,
            style: Style::Cutout { thumb: None },
        };
        let (info, buf) = decode(&r.to_vec().unwrap());
        assert_eq!(info.color_type, png::ColorType::Rgba);
        assert_eq!(buf[3], 0, "corner is transparent");
        let centre = (10 * 20 + 10) * 4 + 3;
        assert_eq!(buf[centre], 255, "centre is opaque");
    }
}
