//! `estimate()` equals what the simulator charges, for every catalogue model and every valid combination
//! of the parameters that could affect the price (enumerated exhaustively rather than sampled).

use std::time::Duration;

use artnex::catalogue::{self, AspectRatio, Credits, Kind, Model, Quality, Resolution, VideoMode};
use artnex::{Client, PriceTable};
use artnex_mock::{LedgerKind, MockServer, TierPrices};

use crate::{KEY, fast_retries};

/// Distinct prices per tier, so that a resolution/quality mix-up cannot go unnoticed.
fn tier_price(r: Resolution, q: Quality) -> u64 {
    let ri = Resolution::ALL.iter().position(|x| *x == r).unwrap() as u64;
    let qi = Quality::ALL.iter().position(|x| *x == q).unwrap() as u64;
    11 + 100 * ri + 7 * qi
}

fn charged(mock: &MockServer, request_id: &str) -> u64 {
    mock.ledger(KEY)
        .iter()
        .filter(|e| e.kind == LedgerKind::Charge && e.request_id == request_id)
        .map(|e| e.credits)
        .sum()
}

#[tokio::test]
async fn estimate_equals_the_simulators_charge_for_every_model_and_combination() {
    let mut tiers = TierPrices::flat(0);
    let mut table = PriceTable::new();
    for &r in Resolution::ALL {
        for &q in Quality::ALL {
            tiers.set(r.as_str(), q.as_str(), tier_price(r, q));
            table = table.tier(Model::GptImage2, r, q, tier_price(r, q)).tier(
                Model::GptImage2Edit,
                r,
                q,
                tier_price(r, q),
            );
        }
    }
    let mock = MockServer::builder()
        .speed(1000.0)
        .tier_prices(tiers)
        .start()
        .await
        .unwrap();
    let c = Client::builder()
        .api_key(KEY)
        .base_url(mock.base_url())
        .retry_policy(fast_retries())
        .price_table(table)
        .build()
        .unwrap();
    let mut checked = 0;

    for info in catalogue::models(Kind::Image) {
        let model = Model::from_id(info.id);
        let tier_options: Vec<(Option<Resolution>, Option<Quality>)> = match info.tiers {
            Some(_) => Resolution::ALL
                .iter()
                .flat_map(|r| Quality::ALL.iter().map(move |q| (Some(*r), Some(*q))))
                .collect(),
            None => vec![(None, None)],
        };
        for (r, q) in tier_options {
            for n in 1..=4u8 {
                let mut req = c
                    .generate("a lighthouse")
                    .model(model.clone())
                    .num_images(n);
                if let (Some(r), Some(q)) = (r, q) {
                    req = req.resolution(r).quality(q);
                }
                let est = req.estimate().unwrap().credits().expect("priced");
                let out = req.await.unwrap();
                assert_eq!(out.credits_used, Some(est), "{} n={n} {r:?} {q:?}", info.id);
                assert_eq!(
                    charged(&mock, out.request_id.as_deref().unwrap()),
                    est,
                    "{}",
                    info.id
                );
                checked += 1;
            }
        }
    }

    for info in catalogue::models(Kind::Edit) {
        let model = Model::from_id(info.id);
        let tier_options: Vec<(Option<Resolution>, Option<Quality>)> = match info.tiers {
            Some(_) => Resolution::ALL
                .iter()
                .flat_map(|r| Quality::ALL.iter().map(move |q| (Some(*r), Some(*q))))
                .collect(),
            None => vec![(None, None)],
        };
        for (r, q) in tier_options {
            let mut req = c
                .edit("add snow", "https://example.com/photo.png")
                .model(model.clone());
            if let (Some(r), Some(q)) = (r, q) {
                req = req.resolution(r).quality(q);
            }
            let est = req.estimate().unwrap().credits().expect("priced");
            let out = req.await.unwrap();
            assert_eq!(out.credits_used, Some(est), "{}", info.id);
            assert_eq!(
                charged(&mock, out.request_id.as_deref().unwrap()),
                est,
                "{}",
                info.id
            );
            checked += 1;
        }
    }

    // Video: submit every model x duration x aspect ratio (and none), then let the jobs finish.
    let mut jobs = Vec::new();
    for info in catalogue::models(Kind::Video) {
        let spec = info.video.unwrap();
        let ratios: Vec<Option<AspectRatio>> = std::iter::once(None)
            .chain(
                AspectRatio::ALL
                    .iter()
                    .copied()
                    .filter(|a| spec.aspect_ratios.contains(&a.as_str()))
                    .map(Some),
            )
            .collect();
        let durations: Vec<Option<u32>> = std::iter::once(None)
            .chain(spec.durations.values().into_iter().map(Some))
            .collect();
        for d in &durations {
            for a in &ratios {
                let mut req = c
                    .video("ocean waves at dusk")
                    .model(Model::from_id(info.id));
                if spec.mode == VideoMode::ImageToVideo {
                    req = req.image("https://example.com/start.png");
                }
                if let Some(d) = d {
                    req = req.duration(*d);
                }
                if let Some(a) = a {
                    req = req.aspect_ratio(*a);
                }
                let est = req.estimate().unwrap().credits().expect("priced");
                jobs.push((info.id, est, req.submit().await.unwrap()));
            }
        }
    }
    mock.advance(Duration::from_secs(3600));
    for (id, est, job) in &jobs {
        let state = job.poll().await.unwrap();
        assert_eq!(state.status, artnex::video::JobStatus::Completed, "{id}");
        assert_eq!(state.credits_used, Some(*est), "{id}");
        assert_eq!(charged(&mock, job.request_id()), *est, "{id}");
        checked += 1;
    }

    for info in catalogue::models(Kind::Speech) {
        let req = c.tts("Hello there").model(Model::from_id(info.id));
        let est = req.estimate().unwrap().credits().unwrap();
        assert_eq!(Credits::Fixed(est), info.credits);
        let out = req.await.unwrap();
        assert_eq!(out.credits_used, Some(est), "{}", info.id);
        assert_eq!(charged(&mock, out.request_id.as_deref().unwrap()), est);
        checked += 1;
    }

    for scale in [1.0, 1.5, 2.0, 4.0, 8.0] {
        let req = c.upscale("https://example.com/photo.png").scale(scale);
        let est = req.estimate().unwrap().credits().unwrap();
        let out = req.await.unwrap();
        assert_eq!(out.credits_used, Some(est), "scale {scale}");
        assert_eq!(charged(&mock, out.request_id.as_deref().unwrap()), est);
        checked += 1;
    }
    let req = c.remove_background("https://example.com/photo.png");
    let est = req.estimate().unwrap().credits().unwrap();
    let out = req.await.unwrap();
    assert_eq!(out.credits_used, Some(est));
    checked += 1;

    assert!(checked > 150, "{checked} combinations");
    let total: u64 = mock
        .ledger(KEY)
        .iter()
        .filter(|e| e.kind == LedgerKind::Charge)
        .map(|e| e.credits)
        .sum();
    assert_eq!(total, mock.total_charged(KEY));
}
