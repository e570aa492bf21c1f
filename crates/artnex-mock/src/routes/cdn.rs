//! Media downloads: `GET /cdn/{dir}/{id}/{file}` (no key needed, like a CDN link).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::{ApiError, Call};
use crate::choices::own_code;
use crate::config::Surface;
use crate::faults::FaultKind;
use crate::ids;
use crate::jobs::Outcome;
use crate::media::{self, Asset, Missing, RETENTION};
use crate::state::{App, lock};

pub(crate) async fn media(State(app): State<Arc<App>>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let call = Call::new(app, &parts);
    let segments: Vec<&str> = call.path.trim_start_matches('/').split('/').collect();
    let (dir, id, file) = match segments.as_slice() {
        ["cdn", dir, id, file] => (dir.to_string(), id.to_string(), file.to_string()),
        _ => (String::new(), String::new(), String::new()),
    };

    // Only faults aimed explicitly at a /cdn/ path apply here.
    let verdict = lock(&call.app.faults).check(None, &call.path);
    if !verdict.latency.is_zero() {
        tokio::time::sleep(verdict.latency).await;
    }
    if let Some(interrupt) = verdict.interrupt {
        let err = ApiError::from_interrupt(interrupt, "The CDN");
        call.record(err.status.as_u16(), Some(err.code.to_string()), 0, false);
        return err.response(Surface::Artnex, &call.request_id, &call.readings);
    }

    match find(&call, &dir, &id, &file) {
        Ok(asset) => {
            let (dropped, gateway) = {
                let mut faults = lock(&call.app.faults);
                let dropped = faults.take(None, &call.path, &FaultKind::DropAfterCharge);
                let gateway = FaultKind::AFTER_ANSWER.iter().find_map(|kind| {
                    (!dropped && faults.take(None, &call.path, kind))
                        .then(|| kind.gateway_after_status())
                        .flatten()
                });
                (dropped, gateway)
            };
            if dropped {
                call.record(200, None, 0, true);
                return call.cut().await;
            }
            if let Some(status) = gateway {
                let err = ApiError::gateway(status);
                call.record(err.status.as_u16(), Some(err.code.to_string()), 0, false);
                return err.response(Surface::Artnex, &call.request_id, &call.readings);
            }
            call.record(200, None, 0, false);
            media::respond(asset, call.app.settings.video_padding).await
        }
        Err(missing) => {
            let err = match missing {
                Missing::NotFound => ApiError::not_found("No media at this URL."),
                Missing::Expired => ApiError::own(
                    StatusCode::NOT_FOUND,
                    own_code::EXPIRED,
                    "This media URL has expired (URLs are kept for 24 hours).",
                ),
            };
            call.record(404, Some(err.code.to_string()), 0, false);
            err.response(Surface::Artnex, &call.request_id, &call.readings)
        }
    }
}

fn find(call: &Call, dir: &str, id: &str, file: &str) -> Result<Asset, Missing> {
    if !ids::plausible_id(id) {
        return Err(Missing::NotFound);
    }
    let now = call.app.clock.now();
    if dir == "video" {
        if file != "video.mp4" {
            return Err(Missing::NotFound);
        }
        let core = call.app.core();
        let job = core.jobs.get(id).ok_or(Missing::NotFound)?;
        return match job.outcome {
            Outcome::Completed(at) if at.saturating_add(RETENTION) > now => {
                Ok(Asset::Mp4(media::mp4::VideoRecipe {
                    seconds: job.clip_seconds,
                    width: job.width,
                    height: job.height,
                    seed: job.seed,
                }))
            }
            Outcome::Completed(_) => Err(Missing::Expired),
            _ => Err(Missing::NotFound),
        };
    }
    lock(&call.app.media).lookup(dir, id, file, now)
}
