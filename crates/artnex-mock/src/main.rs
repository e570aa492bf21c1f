//! `artnex-mock`: run the Artnex / ArtAPI simulator as a standalone server.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use artnex_mock::{
    DEFAULT_ARTAPI_KEY, DEFAULT_CREDITS, DEFAULT_KEY, Fault, FaultKind, KeyConfig, MockServer,
    Plan, Surface, TierPrices,
};
use clap::Parser;

/// A faithful, stateful local simulator of the Artnex API and the OpenAI-compatible ArtAPI images API.
///
/// With no flags it listens on 127.0.0.1:8080 with one Artnex test key (sk-mock-artnex) and one ArtAPI
/// test key (sk-mock-artapi), both on a Pro plan with 1,000,000 credits.
#[derive(Debug, Parser)]
#[command(name = "artnex-mock", version)]
struct Args {
    /// Address to listen on, HOST:PORT (port 0 picks a free port, which is printed).
    #[arg(long, env = "ARTNEX_MOCK_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,

    /// An Artnex key: KEY[:PLAN[:CREDITS]], PLAN = free | pro | unlimited | requests per day
    /// (default pro, 1000000 credits). Repeatable; replaces the default Artnex key.
    #[arg(long = "key", value_name = "KEY[:PLAN[:CREDITS]]")]
    keys: Vec<String>,

    /// An ArtAPI key, same form as --key. Repeatable; replaces the default ArtAPI key.
    #[arg(long = "artapi-key", value_name = "KEY[:PLAN[:CREDITS]]")]
    artapi_keys: Vec<String>,

    /// Time speed-up for video jobs and the per-job poll interval (e.g. 100).
    #[arg(long, default_value_t = 1.0)]
    speed: f64,

    /// Simulated time only moves through POST /__admin/clock/advance.
    #[arg(long)]
    manual_clock: bool,

    /// Add this much latency to every API request (milliseconds).
    #[arg(long, value_name = "MS")]
    latency_ms: Option<u64>,

    #[arg(long = "fault", value_name = "SPEC", help = fault_help())]
    faults: Vec<String>,

    /// Override one cell of the simulator's gpt-image-2 price table: RES:QUALITY:CREDITS (e.g. 2k:high:900).
    #[arg(long = "tier-price", value_name = "RES:QUALITY:CREDITS")]
    tier_prices: Vec<String>,

    /// Set an ArtAPI model's per-image price: MODEL:STANDARD[:HD] (HD defaults to twice STANDARD).
    #[arg(long = "artapi-price", value_name = "MODEL:STANDARD[:HD]")]
    artapi_prices: Vec<String>,

    /// Extra bytes carried by every MP4 in a `free` box (download benchmarks).
    #[arg(long, value_name = "BYTES", default_value_t = 0)]
    video_padding: u64,

    /// Simulate another reading of a gap in the docs: SWITCH=VALUE (repeatable, or comma-separated).
    /// `--help` lists the switches; the crate README says what each value means.
    #[arg(long = "reading", value_name = "SWITCH=VALUE", long_help = reading_help())]
    readings: Vec<String>,

    /// Seconds a request body may take to arrive once its headers are in; a body still incomplete then
    /// gets no answer (the connection is closed).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    body_timeout_secs: u64,

    /// How many request bodies over 1 MiB are read and handled at once (the others wait their turn).
    #[arg(long, value_name = "N", default_value_t = 4)]
    large_bodies: usize,

    /// Do not print a line per request (method, path, status, credits, key label; never the key).
    #[arg(long, short)]
    quiet: bool,
}

/// `--reading`'s long help: every switch and value, from the library.
fn reading_help() -> String {
    format!(
        "Simulate another reading of a gap in the docs: SWITCH=VALUE (repeatable, or comma-separated). \
         The switches and their values (the default first):\n{}",
        artnex_mock::Readings::help()
    )
}

/// `--fault`'s help: the spec syntax and every kind, from the one list in the library.
fn fault_help() -> String {
    format!(
        "Inject a fault (repeatable): KIND[,ms=N][,retry_after=N][,path=P][,key=K][,times=N] with KIND one of {}",
        artnex_mock::fault_kind_list()
    )
}

fn parse_tier(spec: &str) -> Result<(String, String, u64), String> {
    let parts: Vec<&str> = spec.split(':').collect();
    match parts.as_slice() {
        [r, q, c] => {
            let credits = c
                .parse()
                .map_err(|_| format!("--tier-price {spec:?}: credits must be a whole number"))?;
            if TierPrices::simulator_default().price(r, q).is_none() {
                return Err(format!(
                    "--tier-price {spec:?}: resolution must be {} and quality {}",
                    artnex_facts::Resolution::VALUES.join("/"),
                    artnex_facts::Quality::VALUES.join("/")
                ));
            }
            Ok((r.to_string(), q.to_string(), credits))
        }
        _ => Err(format!(
            "--tier-price {spec:?}: expected RES:QUALITY:CREDITS"
        )),
    }
}

fn parse_artapi_price(spec: &str) -> Result<(String, u64, u64), String> {
    let parts: Vec<&str> = spec.split(':').collect();
    let num = |s: &str| {
        s.parse::<u64>()
            .map_err(|_| format!("--artapi-price {spec:?}: prices must be whole numbers"))
    };
    match parts.as_slice() {
        [m, s] if !m.is_empty() => {
            let s = num(s)?;
            Ok((m.to_string(), s, s.saturating_mul(2)))
        }
        [m, s, h] if !m.is_empty() => Ok((m.to_string(), num(s)?, num(h)?)),
        _ => Err(format!(
            "--artapi-price {spec:?}: expected MODEL:STANDARD[:HD]"
        )),
    }
}

fn configure(args: &Args) -> Result<artnex_mock::MockBuilder, String> {
    let mut b = MockServer::builder()
        .addr(args.addr)
        .no_default_keys()
        .speed(args.speed)
        .video_padding_bytes(args.video_padding)
        .body_timeout(std::time::Duration::from_secs(args.body_timeout_secs))
        .large_bodies(args.large_bodies);
    if args.manual_clock {
        b = b.manual_clock();
    }
    let mut readings = artnex_mock::Readings::default();
    for spec in &args.readings {
        readings.apply(spec).map_err(|e| format!("--reading {e}"))?;
    }
    b = b.readings(readings);
    if !args.quiet {
        b = b.on_request(|r| println!("{}", r.summary()));
    }
    if args.keys.is_empty() {
        b = b.key(KeyConfig::artnex(DEFAULT_KEY, Plan::Pro, DEFAULT_CREDITS));
    }
    for spec in &args.keys {
        b = b.key(KeyConfig::parse_spec(spec, Surface::Artnex).map_err(|e| format!("--key {e}"))?);
    }
    if args.artapi_keys.is_empty() {
        b = b.key(KeyConfig::artapi(
            DEFAULT_ARTAPI_KEY,
            Plan::Pro,
            DEFAULT_CREDITS,
        ));
    }
    for spec in &args.artapi_keys {
        b = b.key(
            KeyConfig::parse_spec(spec, Surface::ArtApi)
                .map_err(|e| format!("--artapi-key {e}"))?,
        );
    }
    if let Some(ms) = args.latency_ms {
        b = b.fault(Fault::new(FaultKind::Latency(
            std::time::Duration::from_millis(ms),
        )));
    }
    for spec in &args.faults {
        b = b.fault(Fault::parse_spec(spec).map_err(|e| format!("--fault {e}"))?);
    }
    let mut tiers = TierPrices::simulator_default();
    for spec in &args.tier_prices {
        let (r, q, c) = parse_tier(spec)?;
        tiers.set(&r, &q, c);
    }
    b = b.tier_prices(tiers);
    for spec in &args.artapi_prices {
        let (m, s, h) = parse_artapi_price(spec)?;
        b = b.artapi_price(&m, s, h);
    }
    Ok(b)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let builder = match configure(&args) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("artnex-mock: {e}");
            return ExitCode::from(2);
        }
    };
    let server = match builder.start().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("artnex-mock: {e}");
            return ExitCode::from(1);
        }
    };
    let base = server.base_url();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "artnex-mock listening on {base}");
    let _ = writeln!(out, "  Artnex base URL  {base}   (endpoints under /v1)");
    let _ = writeln!(out, "  ArtAPI base URL  {}", server.artapi_base_url());
    for k in server.keys() {
        let label = match k.surface {
            Surface::ArtApi => "ArtAPI key",
            _ => "Artnex key",
        };
        let _ = writeln!(
            out,
            "  {label:<16} {}   ({}, {} credits)",
            k.key, k.plan, k.credits
        );
    }
    let _ = writeln!(
        out,
        "  Admin            {base}/__admin/   (ledger, requests, clock, faults, keys)"
    );
    if args.speed != 1.0 {
        let _ = writeln!(out, "  Video speed-up   x{}", args.speed);
    }
    let readings = server.readings();
    if !readings.is_default() {
        let _ = writeln!(out, "  Readings         {readings}");
    }
    let _ = writeln!(out, "Press Ctrl-C to stop.");
    let _ = out.flush();
    drop(out);
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse() {
        let args = Args::parse_from([
            "artnex-mock",
            "--addr",
            "127.0.0.1:0",
            "--key",
            "sk-a:free:500",
            "--fault",
            "503,retry_after=2,times=1",
            "--tier-price",
            "2k:high:900",
            "--artapi-price",
            "flux-dev:30",
            "--reading",
            "status_path=query,submit_status=202",
            "--reading",
            "done_word=succeeded",
        ]);
        assert!(configure(&args).is_ok());
        let bad = Args::parse_from(["artnex-mock", "--reading", "status_path=sideways"]);
        assert!(
            configure(&bad)
                .unwrap_err()
                .contains("id, status-segment, query")
        );
        let bad = Args::parse_from(["artnex-mock", "--tier-price", "8k:high:1"]);
        assert!(configure(&bad).is_err());
        assert!(parse_artapi_price("flux-dev:1:2").is_ok());
        assert!(parse_artapi_price(":1").is_err());
    }

    #[test]
    fn help_lists_every_fault_kind_as_the_library_does() {
        use clap::CommandFactory as _;
        let help = Args::command().render_long_help().to_string();
        let flat: String = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(&artnex_mock::fault_kind_list()), "{help}");
        for line in artnex_mock::Readings::help().lines() {
            let line: String = line.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(flat.contains(&line), "{line} in {help}");
        }
        let bad = Args::parse_from(["artnex-mock", "--fault", "explode"]);
        let e = configure(&bad).unwrap_err();
        assert!(e.contains(&artnex_mock::fault_kind_list()), "{e}");
    }

    #[test]
    fn no_flags_means_loopback_8080_with_the_default_keys() {
        if std::env::var_os("ARTNEX_MOCK_ADDR").is_some() {
            return;
        }
        let args = Args::parse_from(["artnex-mock"]);
        assert_eq!(args.addr, SocketAddr::from(([127, 0, 0, 1], 8080)));
        assert_eq!(args.speed, 1.0);
        assert!(args.keys.is_empty() && args.artapi_keys.is_empty());
    }
}
