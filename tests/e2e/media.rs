//! Media end to end: an editor uploads a phone photo and a PDF, uses them in an article and
//! publishes; the public gets the photo at every size (WebP when it asks), the PDF, and no
//! GPS, and nothing before publication. The same on a real S3-compatible server.

use crate::support::Server;
use reqwest::header::{ACCEPT, IF_NONE_MATCH};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

use crate::s3_server;

/// A 64 × 48 JPEG as a phone writes it: EXIF saying "rotate 90° clockwise to view" and a GPS
/// position of the Lào Cai provincial offices.
fn phone_photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, if x < 32 { 200 } else { 30 }])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 92)
        .encode_image(&img)
        .unwrap();
    // TIFF, big-endian: IFD0 with Orientation = 6 and a pointer to a GPS IFD holding
    // GPSLatitudeRef "N" and GPSLatitude 22°29'N.
    let mut tiff = b"MM\0*\0\0\0\x08".to_vec();
    let entry = |tag: u16, ty: u16, count: u32, value: [u8; 4]| {
        let mut e = tag.to_be_bytes().to_vec();
        e.extend(ty.to_be_bytes());
        e.extend(count.to_be_bytes());
        e.extend(value);
        e
    };
    let gps_ifd = 8 + 2 + 2 * 12 + 4;
    tiff.extend(2u16.to_be_bytes());
    tiff.extend(entry(0x0112, 3, 1, [0, 6, 0, 0]));
    tiff.extend(entry(0x8825, 4, 1, (gps_ifd as u32).to_be_bytes()));
    tiff.extend(0u32.to_be_bytes());
    let rationals = gps_ifd + 2 + 2 * 12 + 4;
    tiff.extend(2u16.to_be_bytes());
    tiff.extend(entry(0x0001, 2, 2, *b"N\0\0\0"));
    tiff.extend(entry(0x0002, 5, 3, (rationals as u32).to_be_bytes()));
    tiff.extend(0u32.to_be_bytes());
    for (n, d) in [(22u32, 1u32), (29, 1), (0, 1)] {
        tiff.extend(n.to_be_bytes());
        tiff.extend(d.to_be_bytes());
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut seg = vec![0xFF, 0xE1];
    seg.extend(((app1.len() + 2) as u16).to_be_bytes());
    seg.extend(app1);
    jpeg.splice(2..2, seg);
    jpeg
}

pub(crate) fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

/// A few KB of PNG whose header claims 50,000 × 50,000 pixels (10 GB decoded).
fn png_bomb() -> Vec<u8> {
    fn crc(data: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc(&body).to_be_bytes());
        out
    }
    let mut ihdr = 50_000u32.to_be_bytes().to_vec();
    ihdr.extend(50_000u32.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(b"IDAT", &[0x78, 0x9C].repeat(2048)));
    png.extend(chunk(b"IEND", &[]));
    png
}

pub(crate) async fn upload(
    s: &Server,
    token: &str,
    site: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    let r = s
        .http
        .post(format!("{}/api/v1/sites/{site}/media", s.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

struct Got {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

async fn get(s: &Server, path: &str, accept: Option<&str>) -> Got {
    let mut req = s.http.get(format!("{}{path}", s.base));
    if let Some(a) = accept {
        req = req.header(ACCEPT, a);
    }
    let r = req.send().await.unwrap();
    Got {
        status: r.status(),
        headers: r.headers().clone(),
        body: r.bytes().await.unwrap().to_vec(),
    }
}

fn header<'a>(g: &'a Got, name: &str) -> &'a str {
    g.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

const BROWSER: &str = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8";

async fn photo_and_pdf_from_upload_to_the_public(s: Server) {
    let author = s.login("author").await;
    let admin = s.login("admin").await;
    let (status, photo) = upload(&s, &author, "main", "IMG_2041.jpg", phone_photo()).await;
    assert_eq!(status, StatusCode::CREATED, "{photo}");
    assert_eq!(photo["type"], "jpeg");
    // Turned upright by its EXIF orientation: 64 × 48 became 48 × 64.
    assert_eq!(
        (photo["width"].as_u64(), photo["height"].as_u64()),
        (Some(48), Some(64))
    );
    let (status, doc) = upload(&s, &author, "main", "Quyết định 3055.pdf", pdf()).await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    let (pid, did) = (photo["id"].as_i64().unwrap(), doc["id"].as_i64().unwrap());
    let card = format!("/media/{pid}/card");
    // Nothing is public before publication, by any path.
    for path in [
        format!("/media/{pid}"),
        card.clone(),
        format!("/media/{did}"),
    ] {
        assert_eq!(
            get(&s, &path, None).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let item = s
        .publish_item(
            &admin,
            "main",
            json!({"kind": "article", "channels": ["tin-tuc-su-kien"], "fields": {
                "title": "Hội nghị tổng kết năm 2026",
                "cover": pid.to_string(),
                "body": format!("![Toàn cảnh hội nghị](/media/{pid}/content)\n\n[Tải quyết định](/media/{did})"),
            }}),
        )
        .await;
    let page = s
        .fetch(&format!(
            "/main/tin-tuc-su-kien/{}",
            item["slug"].as_str().unwrap()
        ))
        .await;
    assert_eq!(page.0, StatusCode::OK);
    // minijinja escapes '/' in attributes as "&#x2f;", which browsers read as '/'.
    let html = String::from_utf8_lossy(&page.2).replace("&#x2f;", "/");
    let body_img = format!("<img src=\"/media/{pid}/content\" alt=\"Toàn cảnh hội nghị\"");
    assert!(html.contains(&body_img), "the body shows the photo");
    let cover = format!("<figure class=\"cover\"><img src=\"/media/{pid}/content\"");
    assert!(html.contains(&cover), "the article shows its cover");
    let list = s.fetch("/main/tin-tuc-su-kien/").await;
    let card_img = format!("src=\"/media/{pid}/card\"");
    let list = String::from_utf8_lossy(&list.2).replace("&#x2f;", "/");
    assert!(
        list.contains(&card_img),
        "the list shows the cover as a card"
    );
    // The browser gets WebP, an old client JPEG, both at the preset's size.
    let webp = get(&s, &card, Some(BROWSER)).await;
    assert_eq!(webp.status, StatusCode::OK);
    assert_eq!(header(&webp, "content-type"), "image/webp");
    assert_eq!(header(&webp, "vary"), "Accept");
    let img = image::load_from_memory(&webp.body).unwrap();
    assert_eq!((img.width(), img.height()), (480, 320));
    let jpeg = get(&s, &card, Some("image/jpeg")).await;
    assert_eq!(header(&jpeg, "content-type"), "image/jpeg");
    let thumb = get(&s, &format!("/media/{pid}/thumb"), None).await;
    let img = image::load_from_memory(&thumb.body).unwrap();
    assert_eq!((img.width(), img.height()), (160, 160));
    // The original: upright, and no EXIF block at all, so no GPS.
    let original = get(&s, &format!("/media/{pid}"), None).await;
    assert_eq!(original.status, StatusCode::OK);
    assert!(
        !original.body.windows(6).any(|w| w == b"Exif\0\0"),
        "metadata stripped"
    );
    let upright = image::load_from_memory(&original.body).unwrap();
    assert_eq!((upright.width(), upright.height()), (48, 64));
    // Orientation 6: the photo's left (blue-ish) half is now on top.
    let top = upright.to_rgb8().get_pixel(24, 5).0;
    let bottom = upright.to_rgb8().get_pixel(24, 58).0;
    assert!(
        top[2] > 150 && bottom[2] < 80,
        "rotated the right way: {top:?} {bottom:?}"
    );
    // The PDF downloads as it was uploaded.
    let pdf_got = get(&s, &format!("/media/{did}"), None).await;
    assert_eq!(pdf_got.status, StatusCode::OK);
    assert_eq!(header(&pdf_got, "content-type"), "application/pdf");
    assert_eq!(pdf_got.body, pdf());
    assert!(header(&pdf_got, "content-disposition").contains("filename*=UTF-8''Quy%E1%BA%BFt"));
    // Versioned URLs are immutable; validators answer 304.
    let versioned = photo["presets"]["card"].as_str().unwrap();
    let v = get(&s, versioned, Some(BROWSER)).await;
    assert_eq!(
        header(&v, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    let etag = header(&v, "etag").to_owned();
    let again = s
        .http
        .get(format!("{}{versioned}", s.base))
        .header(ACCEPT, BROWSER)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    // The library tells where the file is used; deleting it is refused while published.
    let detail = s.get(&format!("/api/v1/media/{pid}"), &author).await;
    assert_eq!(detail.body["visible"], true);
    assert_eq!(detail.body["used_by"][0]["published"], true);
    let r = s
        .send(
            "DELETE",
            &format!("/api/v1/media/{pid}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    // Withdrawn: private again.
    let r = s
        .act(&admin, item["id"].as_i64().unwrap(), "unpublish")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(get(&s, &card, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&s, &format!("/media/{did}"), None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_photo_and_a_pdf_go_from_upload_to_the_public_in_a_folder() {
    photo_and_pdf_from_upload_to_the_public(Server::start().await).await;
}

#[tokio::test]
async fn a_photo_and_a_pdf_go_from_upload_to_the_public_on_s3() {
    let Some(s3) = s3_server::S3Server::start() else {
        return;
    };
    let server =
        Server::start_with_blobs(portico_api::ApiConfig::default(), Some(s3.config())).await;
    photo_and_pdf_from_upload_to_the_public(server).await;
}

/// A published photo of `w` × `h` pixels, as an editor marked it public.
async fn public_photo(s: &Server, w: u32, h: u32) -> i64 {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, 99])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode_image(&img)
        .unwrap();
    let editor = s.login("editor").await;
    let (status, m) = upload(s, &editor, "main", "anh.jpg", jpeg).await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let id = m["id"].as_i64().unwrap();
    let r = s
        .send(
            "PATCH",
            &format!("/api/v1/media/{id}"),
            Some(&editor),
            Some(json!({"public": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    id
}

#[tokio::test]
async fn concurrent_requests_make_a_derivative_once_and_explicit_sizes_need_a_signature() {
    // Without the response cache, which would coalesce the requests before they reach the
    // media service: this is about the service's own per-derivative lock, which is what keeps
    // nodes that share a bucket but not a cache from resizing twice.
    let s = Server::start_with(portico_api::ApiConfig {
        cache: None,
        ..Default::default()
    })
    .await;
    let id = public_photo(&s, 1600, 1200).await;
    let path = format!("/media/{id}/hero");
    let all = futures::future::join_all((0..16).map(|_| get(&s, &path, Some("image/jpeg")))).await;
    assert!(all.iter().all(|g| g.status == StatusCode::OK));
    let made = all
        .iter()
        .filter(|g| header(g, "server-timing").starts_with("resize"))
        .count();
    assert_eq!(made, 1, "16 concurrent requests, one resize");
    assert!(all.windows(2).all(|p| p[0].body == p[1].body));
    // Stored: later requests do not resize again.
    let later = get(&s, &path, Some("image/jpeg")).await;
    assert_eq!(header(&later, "server-timing"), "");
    // Explicit parameters: refused unsigned, served signed, refused when tampered with.
    let unsigned = get(&s, &format!("/media/{id}?w=300&fit=inside&fmt=png"), None).await;
    assert_eq!(unsigned.status, StatusCode::FORBIDDEN);
    let author = s.login("author").await;
    let signed = s
        .get(
            &format!("/api/v1/media/{id}/url?w=300&h=300&fit=contain&fmt=png"),
            &author,
        )
        .await;
    assert_eq!(signed.status, StatusCode::OK, "{:?}", signed.body);
    let url = signed.body["url"].as_str().unwrap().to_owned();
    let got = get(&s, &url, None).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(header(&got, "content-type"), "image/png");
    let img = image::load_from_memory(&got.body).unwrap().to_rgba8();
    assert_eq!(img.dimensions(), (300, 300));
    assert_eq!(
        img.get_pixel(150, 5)[3],
        0,
        "contain pads with transparency in PNG"
    );
    let tampered = url.replace("w=300", "w=3000");
    assert_eq!(get(&s, &tampered, None).await.status, StatusCode::FORBIDDEN);
    let bad = s
        .get(&format!("/api/v1/media/{id}/url?w=99999"), &author)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // Replacing the file: new version, new derivative.
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
        800,
        600,
        image::Rgb([10, 200, 10]),
    ))
    .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
    .unwrap();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(png).file_name("anh-moi.png"),
    );
    let editor = s.login("editor").await;
    let r = s
        .http
        .put(format!("{}/api/v1/media/{id}", s.base))
        .bearer_auth(&editor)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let replaced = get(&s, &path, Some("image/jpeg")).await;
    assert!(
        header(&replaced, "server-timing").starts_with("resize"),
        "made anew"
    );
    assert_ne!(header(&replaced, "etag"), header(&later, "etag"));
    let px = image::load_from_memory(&replaced.body).unwrap().to_rgb8();
    assert!(px.get_pixel(10, 10)[1] > 150, "the new picture is served");
}

#[tokio::test]
async fn hostile_uploads_and_paths_get_a_quick_4xx_and_the_server_stays_up() {
    let config = portico_api::ApiConfig {
        media: portico_media::MediaConfig {
            max_upload_bytes: 1024 * 1024,
            ..Default::default()
        },
        ..Default::default()
    };
    let s = Server::start_with(config).await;
    let author = s.login("author").await;
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "bomb.png",
            png_bomb(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "image_too_large",
        ),
        (
            "cut.jpg",
            phone_photo()[..300].to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "corrupt_file",
        ),
        (
            "photo.jpg",
            pdf(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "type_mismatch",
        ),
        (
            "setup.exe",
            b"MZ\x90\0\x03\0\0\0".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_file",
        ),
        (
            "big.pdf",
            [pdf(), vec![b' '; 3 << 20]].concat(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
    ];
    for (name, bytes, want, code) in cases {
        let started = Instant::now();
        let (status, body) = upload(&s, &author, "main", name, bytes).await;
        assert_eq!(status, want, "{name}: {body}");
        assert_eq!(body["error"]["code"], code, "{name}: {body}");
        assert!(!body["error"]["message"].as_str().unwrap_or("").is_empty());
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{name} took {:?}",
            started.elapsed()
        );
    }
    // No role on the site, or no login at all.
    let (status, _) = upload(&s, &author, "so-tai-chinh", "a.pdf", pdf()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = upload(&s, "not-a-token", "main", "a.pdf", pdf()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for path in [
        "/media/..%2F..%2Fetc%2Fpasswd",
        "/media/../../etc/passwd",
        "/media/abc/card",
        "/media/-1",
        "/media/999999/card",
    ] {
        let g = get(&s, path, None).await;
        assert!(g.status.is_client_error(), "{path}: {}", g.status);
    }
    let id = public_photo(&s, 200, 100).await;
    assert_eq!(
        get(&s, &format!("/media/{id}/giant"), None).await.status,
        StatusCode::NOT_FOUND
    );
    let r = get(&s, &format!("/media/{id}?w=10&evil=1"), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let health = get(&s, "/healthz", None).await;
    assert_eq!(health.status, StatusCode::OK);
    // Nothing half-written: the library holds only the photo.
    let list = s.get("/api/v1/sites/main/media", &author).await;
    assert_eq!(
        list.body.as_array().map(Vec::len),
        Some(1),
        "{:?}",
        list.body
    );
}
