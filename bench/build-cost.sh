#!/usr/bin/env bash
# Target 7 of the benchmarks: the cost of depending on `artnex` (default features) vs async-openai with its
# `image` feature. Builds a throwaway library crate for each, alternating, each with a fresh
# CARGO_TARGET_DIR under /tmp: a clean `cargo build --release` (with `--timings`, analysed: the longest
# units and when they started), a clean debug `cargo build` and a clean `cargo check`, timed, then the dependency
# counts; then the `artnex` CLI's own clean release build.
#
# Not part of CI. Slow (several minutes on 2 cores): run it when the machine is otherwise quiet.
#
#   bench/build-cost.sh                       # print the results
#   bench/build-cost.sh --write BENCHMARKS.md # also put them between the build-cost markers there
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
write=""
if [[ "${1:-}" == "--write" ]]; then
  write="${2:?--write needs a path}"
fi

work="$(mktemp -d /tmp/artnex-build-cost.XXXXXX)"
trap 'rm -rf "$work"' EXIT

make_crate() { # name, dependency line
  mkdir -p "$work/$1/src"
  cat >"$work/$1/Cargo.toml" <<EOF
[package]
name = "$1"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
$2

[workspace]
EOF
  echo "pub use $3;" >"$work/$1/src/lib.rs"
}

make_crate uses-artnex "artnex = { path = \"$repo/crates/artnex\" }" artnex
# The SDK's versions exactly as the repository pins them.
cp "$repo/Cargo.lock" "$work/uses-artnex/Cargo.lock"
make_crate uses-async-openai 'async-openai = { version = "=0.43.0", features = ["image"] }' async_openai

timed() { # seconds of: dir, target dir, log, cargo args...
  local dir="$1" target="$2" log="$3"
  shift 3
  local start end
  start="$(date +%s%N)"
  (cd "$dir" && CARGO_TARGET_DIR="$target" cargo "$@" --offline 2>"$log")
  end="$(date +%s%N)"
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'
}

# Where the time goes: the longest units of a `--timings` report, each with the second it started (on 2
# cores the wall time is two long chains side by side), and the compile time of all units together.
# Needs python3; skipped without it.
analyse() { # timings html
  command -v python3 >/dev/null 2>&1 || { echo "(python3 not found: no timings analysis)"; return; }
  python3 - "$1" <<'PY'
import json, sys
s = open(sys.argv[1]).read()
a = s.index("const UNIT_DATA = ") + len("const UNIT_DATA = ")
units = json.loads(s[a:s.index("];", a) + 1])
name = lambda u: u["name"] + (" (" + u["target"].strip() + ")" if u["target"].strip() else "")
total = sum(u["duration"] for u in units)
wall = max(u["start"] + u["duration"] for u in units)
top = sorted(units, key=lambda u: -u["duration"])[:10]
print("longest units (seconds, started at): " + ", ".join(
    f"{name(u)} {u['duration']:.1f} at {u['start']:.0f}" for u in top)
    + f"; {len(units)} units, {total:.0f} s of compile time in all over {wall:.0f} s")
PY
}

rows=()
notes=()
declare -A secs
for mode in release debug check; do
  for name in uses-artnex uses-async-openai; do
    dir="$work/$name"
    [[ "$mode" == release ]] && (cd "$dir" && cargo fetch -q)
    load="$(cut -d' ' -f1-3 /proc/loadavg)"
    case "$mode" in
      release) args=(build --release --timings) ;;
      debug) args=(build) ;;
      check) args=(check) ;;
    esac
    t="$(timed "$dir" "$work/target-$name-$mode" "$work/$name-$mode.log" "${args[@]}")"
    secs["$name-$mode"]="$t"
    secs["$name-$mode-load"]="$load"
    echo "$name: clean cargo ${args[*]}: $t s (load before: $load)"
    if [[ "$mode" == release ]]; then
      html="$(ls "$work/target-$name-$mode"/cargo-timings/cargo-timing.html 2>/dev/null || true)"
      [[ -z "$html" ]] && html="$(ls "$dir"/target/cargo-timings/cargo-timing.html 2>/dev/null || true)"
      if [[ -n "$html" ]]; then
        notes+=("\`$name\` (release, \`--timings\`): $(analyse "$html")")
      fi
    fi
  done
done
for name in uses-artnex uses-async-openai; do
  dir="$work/$name"
  units="$(grep -c '^ *Compiling ' "$work/$name-release.log" || true)"
  # Crates in the normal (non-build, non-dev) dependency tree, without the throwaway crate itself.
  normal="$(cd "$dir" && cargo tree -e normal --prefix none --no-dedupe --offline | sort -u | grep -vc "^$name v")"
  all="$(cd "$dir" && cargo tree -e normal,build --prefix none --no-dedupe --offline | sort -u | grep -vc "^$name v")"
  rows+=("| $name | ${secs[$name-release]} s | ${secs[$name-debug]} s | ${secs[$name-check]} s | $units | $normal | $all | ${secs[$name-release-load]} |")
done
ratio() { awk -v a="${secs[uses-artnex-$1]}" -v b="${secs[uses-async-openai-$1]}" 'BEGIN { printf "%.2f", a / b }'; }
r_release="$(ratio release)"
met="$(awk -v r="$r_release" 'BEGIN { print (r <= 0.75) ? "met" : "**missed**" }')"
# The CLI's own clean release build, from the repository (its lock file), in a fresh target directory.
load="$(cut -d' ' -f1-3 /proc/loadavg)"
cli="$(timed "$repo" "$work/target-cli" "$work/cli.log" build --release --locked -p artnex-cli)"
cli_units="$(grep -c '^ *Compiling ' "$work/cli.log" || true)"
echo "artnex-cli: clean cargo build --release: $cli s, $cli_units crates (load before: $load)"

gen="$work/section.md"
{
  echo "Command: \`bench/build-cost.sh --write BENCHMARKS.md\` ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(rustc --version), $(cargo --version))."
  echo
  echo "| throwaway crate depending on | clean \`cargo build --release\` | clean \`cargo build\` (debug) | clean \`cargo check\` | crates compiled (release) | normal dependencies | with build dependencies | load average before the release build (1, 5, 15 min) |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "artnex / async-openai: release $r_release (goal ≤ 0.75: $met), debug $(ratio debug), check $(ratio check). The \`artnex\` CLI's own clean release build (\`cargo build --release --locked -p artnex-cli\`, the simulator and clap included): $cli s, $cli_units crates compiled (load before: $load)."
  echo
  echo "\`uses-artnex\`: \`artnex\` by path at $(git -C "$repo" rev-parse --short HEAD), default features, with the repository's Cargo.lock. \`uses-async-openai\`: \`async-openai = \"=0.43.0\"\` with \`features = [\"image\"]\` (and its default \`rustls\`). Each build from an empty CARGO_TARGET_DIR after \`cargo fetch\` (downloads not timed), the two crates alternating, release first (with \`--timings\`), then debug, then check. Dependencies counted with \`cargo tree --prefix none --no-dedupe | sort -u\`, the throwaway crate itself excluded."
  echo
  for n in "${notes[@]}"; do echo "- $n"; done
} >"$gen"
cat "$gen"

if [[ -n "$write" ]]; then
  begin='<!-- build-cost:begin (generated by bench/build-cost.sh --write; edit outside the markers) -->'
  end='<!-- build-cost:end -->'
  touch "$write"
  if grep -qF '<!-- build-cost:begin' "$write"; then
    awk -v gen="$gen" -v begin="$begin" '
      BEGIN { while ((getline line < gen) > 0) body = body line "\n" }
      /<!-- build-cost:begin/ { print begin; printf "%s", body; skip = 1; next }
      /<!-- build-cost:end/ { skip = 0 }
      !skip { print }
    ' "$write" >"$work/doc.md"
    cp "$work/doc.md" "$write"
  else
    { echo; echo "$begin"; cat "$gen"; echo "$end"; } >>"$write"
  fi
  echo "wrote $write"
fi
