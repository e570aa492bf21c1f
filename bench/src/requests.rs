//! Request-level targets: per-call overhead (1), throughput at 64 concurrent requests (2), the
//! OpenAI-compatible images peer (3) and the simulator's CPU cost (8).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use tokio::task::JoinSet;

use crate::Ctx;
use crate::alloc;
use crate::calls::{Generate, Images, ImagesSide, Result, Side, settle};
use crate::cpu::CpuSnapshot;
use crate::report::{Report, Row, Verdict, micros};
use crate::stats::{Summary, median};

/// Runs `total` calls of `call` with `concurrency` workers; returns calls per second.
pub async fn burst<F, Fut>(call: F, total: usize, concurrency: usize) -> Result<f64>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<()>> + Send,
{
    let remaining = Arc::new(AtomicIsize::new(total as isize));
    let start = Instant::now();
    let mut set = JoinSet::new();
    for _ in 0..concurrency {
        let remaining = remaining.clone();
        let call = call.clone();
        set.spawn(async move {
            while remaining.fetch_sub(1, Ordering::Relaxed) > 0 {
                call().await?;
            }
            Ok::<(), crate::calls::BoxError>(())
        });
    }
    while let Some(joined) = set.join_next().await {
        joined??;
    }
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

/// Allocation calls and bytes per call over `n` sequential calls (client threads only).
pub async fn allocs_per_call<F, Fut>(call: F, n: usize) -> Result<(f64, f64)>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<()>>,
{
    settle().await;
    let window = alloc::Window::open();
    for _ in 0..n {
        call().await?;
    }
    let used = window.close();
    Ok((used.calls / n as f64, used.requested / n as f64))
}

/// The order of `n` sides in round `round`: rotated by one each round and reversed every other round, so
/// that each side runs first, last and in between equally often.
pub fn order(n: usize, round: usize) -> Vec<usize> {
    let mut o: Vec<usize> = (0..n).collect();
    o.rotate_left(round % n.max(1));
    if (round / n.max(1)) % 2 == 1 {
        o.reverse();
    }
    o
}

const GENERATE_SIDES: [Side; 4] = [Side::Sdk, Side::Raw, Side::RawTimeouts, Side::Generated];

/// Targets 1 and 2.
pub async fn overhead(ctx: &Ctx, report: &mut Report) -> Result<()> {
    let sizes = ctx.sizes;
    let sides = GENERATE_SIDES;
    let g = Generate::new(&ctx.main.base_url())?;
    println!("target 1: sequential generate, SDK vs raw reqwest");
    for _ in 0..sizes.warmup {
        for side in sides {
            g.call(side).await?;
        }
    }
    let mut lat: Vec<Vec<f64>> = vec![Vec::new(); sides.len()];
    for round in 0..sizes.seq_rounds * sides.len() / 2 {
        for i in order(sides.len(), round) {
            for _ in 0..sizes.seq_per_round {
                let t = Instant::now();
                g.call(sides[i]).await?;
                lat[i].push(t.elapsed().as_secs_f64() * 1e6);
            }
        }
    }
    let sum: Vec<Summary> = lat.iter().map(|v| Summary::of(v)).collect();
    let (s, r) = (sum[0], sum[1]);
    let round_medians =
        |v: &[f64]| -> Vec<f64> { v.chunks(sizes.seq_per_round.max(1)).map(median).collect() };
    let ratio = paired_ratio(&round_medians(&lat[0]), &round_medians(&lat[1]));
    report.row(
        Row::new("1", "per-call latency, sequential generate (median)")
            .figures(micros(s.median), micros(r.median))
            .ratio(ratio)
            .goal("≤ 1.05", Verdict::from_bool(ratio <= 1.05)),
    );
    report.note(format!(
        "1: {} calls per side in batches of {}, ratio = median over rounds of the per-round ratio of medians; order rotated between four sides: the SDK, raw reqwest (A), raw reqwest with reqwest's read timeout and the SDK's other transport settings (B: 10 s connect and 300 s read timeouts, a User-Agent; the SDK's client has no reqwest read timer: it guards its attempts itself, without a timer per call) and the generated `artnex-api` client the SDK wraps (C, same transport as the SDK). Medians: SDK {}, A {}, B {}, C {}; SDK/B {:.3}, SDK/C {:.3}. p90: SDK {}, A {} (p90 ratio {:.3}), B {}, C {}.",
        s.n,
        sizes.seq_per_round,
        micros(s.median),
        micros(r.median),
        micros(sum[2].median),
        micros(sum[3].median),
        s.median / sum[2].median,
        s.median / sum[3].median,
        micros(s.p90),
        micros(r.p90),
        s.p90 / r.p90,
        micros(sum[2].p90),
        micros(sum[3].p90)
    ));
    let n = sizes.alloc_calls;
    let mut allocs = Vec::new();
    for side in sides {
        let gg = g.clone();
        allocs.push(allocs_per_call(|| gg.call(side), n).await?);
    }
    report.note(format!(
        "1: allocations per generate call (client threads, {n} sequential calls): SDK {:.0} ({:.1} KiB), A {:.0} ({:.1} KiB), B {:.0} ({:.1} KiB), C {:.0} ({:.1} KiB).",
        allocs[0].0,
        allocs[0].1 / 1024.0,
        allocs[1].0,
        allocs[1].1 / 1024.0,
        allocs[2].0,
        allocs[2].1 / 1024.0,
        allocs[3].0,
        allocs[3].1 / 1024.0
    ));

    println!("target 2: generate at 64 concurrent requests");
    let conc = 64;
    let g = Arc::new(g);
    for side in sides {
        let gg = g.clone();
        burst(move || call_owned(gg.clone(), side), conc * 4, conc).await?;
    }
    // Three independent runs of the whole measurement (one in quick mode); the row is their median.
    let mut runs: Vec<(f64, Vec<Vec<f64>>)> = Vec::new();
    for _ in 0..sizes.conc_runs {
        let mut tp: Vec<Vec<f64>> = vec![Vec::new(); sides.len()];
        for round in 0..sizes.conc_rounds * sides.len() / 2 {
            for i in order(sides.len(), round) {
                settle().await;
                let gg = g.clone();
                let side = sides[i];
                tp[i].push(
                    burst(
                        move || call_owned(gg.clone(), side),
                        sizes.conc_per_round,
                        conc,
                    )
                    .await?,
                );
            }
        }
        runs.push((paired_ratio(&tp[0], &tp[1]), tp));
    }
    let run_ratios: Vec<f64> = runs.iter().map(|r| r.0).collect();
    let ratio = median(&run_ratios);
    // The run whose ratio is the median, for the figures.
    let (_, tp) = runs
        .iter()
        .min_by(|a, b| (a.0 - ratio).abs().total_cmp(&(b.0 - ratio).abs()))
        .ok_or("no throughput run")?;
    let m: Vec<f64> = tp.iter().map(|v| median(v)).collect();
    report.row(
        Row::new(
            "2",
            &format!(
                "throughput at 64 concurrent generate calls (median of {} runs, each the median of per-round ratios)",
                runs.len()
            ),
        )
        .figures(
            format!("{:.0} calls/s", m[0]),
            format!("{:.0} calls/s", m[1]),
        )
        .ratio(ratio)
        .goal("≥ 0.97", Verdict::from_bool(ratio >= 0.97)),
    );
    report.note(format!(
        "2: {} runs; run ratios SDK/A {}; each run {} rounds of {} calls per side at 64 concurrent, order rotated, ratio = median over rounds of the per-round ratio. Median run: median calls/s SDK {:.0}, A {:.0}, B {:.0}, C {:.0} (SDK/B {:.3}, SDK/C {:.3}); per round: SDK {}; A {}; B {}; C {}.",
        runs.len(),
        run_ratios
            .iter()
            .map(|r| format!("{r:.3}"))
            .collect::<Vec<_>>()
            .join(", "),
        tp[0].len(),
        sizes.conc_per_round,
        m[0],
        m[1],
        m[2],
        m[3],
        m[0] / m[2],
        m[0] / m[3],
        list(&tp[0]),
        list(&tp[1]),
        list(&tp[2]),
        list(&tp[3])
    ));
    Ok(())
}

async fn call_owned(g: Arc<Generate>, side: Side) -> Result<()> {
    g.call(side).await
}

async fn images_owned(c: Arc<Images>, side: ImagesSide) -> Result<()> {
    c.call(side).await
}

/// The median over rounds of `a[i] / b[i]`: pairs measured next to each other, so slow drift in the
/// machine's load cancels out.
pub fn paired_ratio(a: &[f64], b: &[f64]) -> f64 {
    let r: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
    median(&r)
}

fn list(v: &[f64]) -> String {
    v.iter()
        .map(|x| format!("{x:.0}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Target 3: the OpenAI-compatible images route.
pub async fn peer(ctx: &Ctx, report: &mut Report) -> Result<()> {
    let sizes = ctx.sizes;
    println!("target 3: OpenAI-compatible images, SDK vs async-openai (and raw reqwest)");
    let c = Arc::new(Images::new(&ctx.main.artapi_base_url())?);
    let sides = Images::sides();
    let conc = 64;
    for &side in &sides {
        for _ in 0..sizes.warmup / 4 {
            c.call(side).await?;
        }
        let cc = c.clone();
        burst(move || images_owned(cc.clone(), side), conc * 4, conc).await?;
    }
    let mut tp: Vec<Vec<f64>> = vec![Vec::new(); sides.len()];
    for round in 0..sizes.conc_rounds * sides.len().max(2) / 2 {
        for i in order(sides.len(), round) {
            settle().await;
            let cc = c.clone();
            let side = sides[i];
            tp[i].push(
                burst(
                    move || images_owned(cc.clone(), side),
                    sizes.conc_per_round,
                    conc,
                )
                .await?,
            );
        }
    }
    let mut allocs = Vec::new();
    for &side in &sides {
        let cc = c.clone();
        allocs.push(allocs_per_call(|| cc.call(side), sizes.alloc_calls).await?);
    }
    let medians: Vec<f64> = tp.iter().map(|v| median(v)).collect();
    let describe = |i: usize| {
        format!(
            "{}: {:.0} calls/s (rounds {}), {:.0} allocations ({:.1} KiB) per call",
            sides[i].name(),
            medians[i],
            list(&tp[i]),
            allocs[i].0,
            allocs[i].1 / 1024.0
        )
    };
    let all: Vec<String> = (0..sides.len()).map(describe).collect();
    let sdk_vs_raw = paired_ratio(&tp[0], &tp[sides.len() - 1]);
    let figure = |i: usize| {
        format!(
            "{:.0} calls/s, {:.0} allocs ({:.1} KiB)/call",
            medians[i],
            allocs[i].0,
            allocs[i].1 / 1024.0
        )
    };
    #[cfg(feature = "peer")]
    {
        let ratio = paired_ratio(&tp[0], &tp[1]);
        report.row(
            Row::new(
                "3",
                "OpenAI-compatible images: `artnex::openai` vs async-openai, throughput at 64 concurrent (median)",
            )
            .figures(figure(0), format!("async-openai {}", figure(1)))
            .ratio(ratio)
            .goal("≥ 1.0; allocations reported", Verdict::from_bool(ratio >= 1.0)),
        );
    }
    #[cfg(not(feature = "peer"))]
    report.row(
        Row::new(
            "3",
            "OpenAI-compatible images: `artnex::openai` vs async-openai, throughput at 64 concurrent (median)",
        )
        .figures(
            figure(0),
            "async-openai not built: run with `--features peer`",
        )
        .goal("≥ 1.0; allocations reported", Verdict::NotMeasured),
    );
    report.note(format!(
        "3: `POST /v1/images/generations` (flux-schnell, 512x512, url), {} rounds of {} calls per client at 64 concurrent, order rotated; ratio = median over rounds of the per-round ratio; allocations over {} sequential calls on client threads. {}. `artnex::openai` vs raw reqwest: {sdk_vs_raw:.3}.",
        tp[0].len(),
        sizes.conc_per_round,
        sizes.alloc_calls,
        all.join("; ")
    ));
    Ok(())
}

/// Target 8: CPU the simulator spends per request vs an empty axum handler, same client and count.
pub async fn server_cpu(ctx: &Ctx, report: &mut Report) -> Result<()> {
    let sizes = ctx.sizes;
    println!("target 8: simulator CPU per request vs an empty axum handler");
    if !CpuSnapshot::take().is_available() {
        report.row(
            Row::new("8", "simulator CPU per request vs empty axum handler")
                .figures("-", "-")
                .goal("≤ 2.0", Verdict::NotMeasured),
        );
        report.note("8: per-thread CPU times are not readable here (/proc/self/task/*/schedstat).");
        return Ok(());
    }
    let g = Arc::new(Generate::new(&ctx.main.base_url())?);
    let empty_url = format!("{}/v1/generate", ctx.empty_base);
    let conc = 8;
    let run = |target: bool, n: usize| {
        let g = g.clone();
        let url = if target {
            g.url.clone()
        } else {
            empty_url.clone()
        };
        async move {
            burst(
                move || {
                    let g = g.clone();
                    let url = url.clone();
                    async move { g.raw_to(&url).await }
                },
                n,
                conc,
            )
            .await
        }
    };
    run(true, 500).await?;
    run(false, 500).await?;
    let mut sim = Vec::new();
    let mut empty = Vec::new();
    for round in 0..sizes.cpu_rounds {
        let order = if round % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for target in order {
            settle().await;
            let before = CpuSnapshot::take();
            run(target, sizes.cpu_per_round).await?;
            settle().await;
            let ns = CpuSnapshot::take().since(&before) as f64 / sizes.cpu_per_round as f64;
            if target {
                sim.push(ns / 1000.0);
            } else {
                empty.push(ns / 1000.0);
            }
        }
    }
    let (s, e) = (median(&sim), median(&empty));
    let ratio = paired_ratio(&sim, &empty);
    report.row(
        Row::new(
            "8",
            "simulator CPU per /v1/generate vs empty axum handler (server threads)",
        )
        .figures(micros(s), micros(e))
        .ratio(ratio)
        .goal("≤ 2.0", Verdict::from_bool(ratio <= 2.0)),
    );
    report.note(format!(
        "8: {} rounds of {} raw reqwest calls at {conc} concurrent per server, alternating, ratio = median over rounds of the per-round ratio; CPU from /proc/self/task/<tid>/schedstat of the server runtime's threads (the settle pauses are included on both sides); simulator rounds {} µs; empty-handler rounds {} µs.",
        sizes.cpu_rounds,
        sizes.cpu_per_round,
        list1(&sim),
        list1(&empty)
    ));
    Ok(())
}

fn list1(v: &[f64]) -> String {
    v.iter()
        .map(|x| format!("{x:.1}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::order;

    #[test]
    fn every_side_takes_every_position() {
        assert_eq!(order(2, 0), vec![0, 1]);
        assert_eq!(order(2, 1), vec![1, 0]);
        assert_eq!(order(2, 2), vec![1, 0]);
        assert_eq!(order(2, 3), vec![0, 1]);
        let mut first = [0; 3];
        for r in 0..6 {
            first[order(3, r)[0]] += 1;
        }
        assert_eq!(first, [2, 2, 2]);
        assert_eq!(order(1, 5), vec![0]);
    }
}
