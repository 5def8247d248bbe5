//! `/_preau/sante`, for the town's monitoring: `200 ok` when the site is loaded and the
//! database answers, `503 indisponible` otherwise. Nothing else: no version, no counts, no
//! timing, the same body for everyone, never cached, not in the audit log.

use crate::app::{Ctx, Edge, Handled};
use crate::respond::Resp;
use crate::store::{self, Platform};
use http::{header, HeaderValue, Response, StatusCode};

pub(crate) async fn get<P: Platform>(edge: &Edge<P>, _cx: &Ctx<'_>) -> Handled {
    Ok(match store::health::ping(&edge.platform).await {
        Ok(()) => answer(StatusCode::OK, "ok\n"),
        Err(e) => {
            edge.platform.error(&format!("santé : {e}"));
            answer(StatusCode::SERVICE_UNAVAILABLE, "indisponible\n")
        }
    })
}

fn answer(status: StatusCode, body: &str) -> Resp {
    let mut r = Response::new(body.as_bytes().to_vec());
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
