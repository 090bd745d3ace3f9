//! The interface's stylesheet and script, compiled in and served under a name that carries a
//! hash of their content, so a browser keeps them for a year and still never runs an old one.

use crate::Admin;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// The files: (name, content type, bytes).
const FILES: [(&str, &str, &[u8]); 3] = [
    (
        "admin.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/admin.css"),
    ),
    (
        "preview.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/preview.css"),
    ),
    (
        "admin.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/admin.js"),
    ),
];

/// One asset under its hashed name (`admin.1a2b3c4d5e6f.css`).
pub(crate) struct Asset {
    pub(crate) name: &'static str,
    pub(crate) hashed: String,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// Every asset with its hashed name.
pub(crate) fn all() -> Vec<Asset> {
    FILES
        .iter()
        .map(|&(name, content_type, bytes)| {
            let digest = Sha256::digest(bytes);
            let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
            let hashed = match name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}.{hex}.{ext}"),
                None => format!("{name}.{hex}"),
            };
            Asset {
                name,
                hashed,
                content_type,
                bytes,
            }
        })
        .collect()
}

/// The address of an asset by its plain name (`admin.css`), for pages not drawn by the
/// interface's own templates.
pub(crate) fn path_of(assets: &[Asset], name: &str) -> String {
    assets
        .iter()
        .find(|a| a.name == name)
        .map(|a| format!("/admin/static/{}", a.hashed))
        .unwrap_or_default()
}

pub(crate) async fn serve(State(admin): State<Admin>, Path(file): Path<String>) -> Response {
    match admin.ui.assets.iter().find(|a| a.hashed == file) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            a.bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file\n").into_response(),
    }
}
