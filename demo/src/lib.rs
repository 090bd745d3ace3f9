//! Builds the demo network: a province's main portal and 91 component portals with their
//! channels, the four demo users, and a few thousand items in every workflow state, all
//! through the engine's own use cases (so every item has real revisions, audit entries and
//! events). The same seed gives the same network.

// Unit tests build values from loop counters; the library code is held to the lint.
#![cfg_attr(test, allow(clippy::as_conversions))]

mod fixture;
mod network;
mod participation;
pub mod pdf;
pub mod photos;
pub mod procedures;
pub mod words;

pub use fixture::seed_small_network;
pub use network::{initials, COMPONENTS, MAIN};

use chrono::{Duration, Utc};
use portico_engine::{
    Actor, Engine, EngineError, ItemId, ManualClock, NewChannelInput, NewItemInput, NewSiteInput,
    NewUserInput, PasswordRule, SaveInput, SiteKind, TransitionInput,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use words::pick;

/// The demo users' password.
pub const DEMO_PASSWORD: &str = "demo";

/// The demo users and what they may do.
pub const DEMO_USERS: [(&str, &str); 4] = [
    ("author", "author on every portal: writes and submits"),
    (
        "editor",
        "editor on every portal: reviews, forwards or returns",
    ),
    (
        "approver",
        "approver on every portal: publishes, schedules, unpublishes",
    ),
    ("admin", "network admin: everything, everywhere"),
];

/// How much to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoSize {
    /// Published articles on the main portal.
    pub main_articles: usize,
    /// Published articles per component portal (a range, chosen per portal).
    pub component_articles: (usize, usize),
}

impl Default for DemoSize {
    fn default() -> Self {
        DemoSize {
            main_articles: 220,
            component_articles: (24, 32),
        }
    }
}

impl DemoSize {
    /// The same 92 portals with a few articles each: seconds to build on PostgreSQL too, for
    /// a quick look or a test that needs a network, not its volume.
    pub fn small() -> Self {
        DemoSize {
            main_articles: 12,
            component_articles: (1, 2),
        }
    }
}

/// What was made.
#[derive(Debug, Default, Clone)]
pub struct DemoSummary {
    pub sites: usize,
    pub channels: usize,
    pub items: usize,
    pub published: usize,
}

/// Where the demo puts its photos and files: the node's media library. The demo only knows
/// the engine; storing bytes (cleaning images, object storage) is the node's.
pub trait DemoMedia {
    /// Stores `bytes` as `filename` in `site`'s library on behalf of `actor` and returns the
    /// media id that fields refer to.
    fn add(
        &self,
        actor: &Actor,
        site: &str,
        filename: &str,
        title: &str,
        bytes: Vec<u8>,
    ) -> Result<String, EngineError>;

    /// Stores a file whose text the demo wrote itself (a document's PDF), and keeps that text
    /// for search, so that the node does not read back thousands of files it was just given.
    fn add_with_text(
        &self,
        actor: &Actor,
        site: &str,
        filename: &str,
        title: &str,
        bytes: Vec<u8>,
        _text: &str,
    ) -> Result<String, EngineError> {
        self.add(actor, site, filename, title, bytes)
    }
}

struct Crew {
    author: Actor,
    editor: Actor,
    approver: Actor,
}

/// Creates the demo network in an empty store, without photos or files.
pub fn seed(engine: &Engine, size: DemoSize, seed: u64) -> Result<DemoSummary, EngineError> {
    seed_with_media(engine, size, seed, None)
}

/// Creates the demo network in an empty store; with `media`, articles get cover photos and
/// documents their PDF.
pub fn seed_with_media(
    engine: &Engine,
    size: DemoSize,
    seed: u64,
    media: Option<&dyn DemoMedia>,
) -> Result<DemoSummary, EngineError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut summary = DemoSummary::default();
    // Marks the start and the end, so a build that was interrupted can be told from a whole
    // one (`portico check`, and `serve --demo` which builds it anew).
    engine.record_system("demo.started", Some(format!("seed {seed}")))?;
    for (name, _) in DEMO_USERS {
        engine.create_user_as_operator(
            NewUserInput {
                username: name.to_owned(),
                password: DEMO_PASSWORD.to_owned(),
                display_name: Some(display_name(name).to_owned()),
                network_admin: name == "admin",
            },
            PasswordRule::DemoOnly,
        )?;
    }

    // Sites, channels and roles.
    let mut slugs: HashMap<&str, String> = HashMap::new();
    let main = engine.create_site(
        None,
        NewSiteInput {
            slug: "main".to_owned(),
            name: MAIN.to_owned(),
            kind: "main".to_owned(),
            parent: None,
            domains: network::MAIN_DOMAINS
                .iter()
                .map(|d| d.to_string())
                .collect(),
            theme: None,
        },
    )?;
    slugs.insert(MAIN, main.slug.clone());
    let mut sites = vec![(main.slug.clone(), MAIN, SiteKind::Main)];
    for spec in COMPONENTS {
        let parent = spec
            .parent
            .and_then(|p| slugs.get(p).cloned())
            .unwrap_or("main".into());
        let site = engine.create_site(
            None,
            NewSiteInput {
                slug: portico_engine::text::slugify(spec.name, 60),
                name: spec.name.to_owned(),
                kind: spec.kind.as_str().to_owned(),
                parent: Some(parent),
                domains: spec.domains.iter().map(|d| d.to_string()).collect(),
                theme: None,
            },
        )?;
        slugs.insert(spec.name, site.slug.clone());
        sites.push((site.slug, spec.name, spec.kind));
    }
    for (slug, _, _) in &sites {
        for (name, parent) in network::CHANNELS {
            engine.create_channel(
                None,
                slug,
                NewChannelInput {
                    name: (*name).to_owned(),
                    slug: None,
                    parent: parent.map(|p| portico_engine::text::slugify(p, 80)),
                    position: None,
                },
            )?;
            summary.channels += 1;
        }
        for role in ["author", "editor", "approver"] {
            engine.set_role(None, slug, role, role, true)?;
        }
    }
    // The facts a state agency's portal must show (Decree 42/2022), as the province would
    // fill them in; the main portal also has its licence.
    let admin = engine.actor_by_name("admin")?;
    for (slug, name, kind) in &sites {
        let main = *kind == SiteKind::Main;
        engine.update_site_settings(
            &admin,
            slug,
            portico_engine::SiteSettings {
                agency: Some(agency_of(name, *kind)),
                responsible: Some(responsible_of(name, *kind)),
                address: Some(address_of(name, *kind)),
                phone: Some("0214 3840 888".to_owned()),
                email: Some(format!("{slug}@laocai.gov.vn")),
                licence: main.then(|| {
                    "Giấy phép số 12/GP-TTĐT ngày 05/3/2024 của Cục Phát thanh, truyền hình và thông tin điện tử".to_owned()
                }),
                public_service_url: Some("https://dichvucong.laocai.gov.vn".to_owned()),
                // News first, as a portal's home page leads; documents and procedures have
                // their own blocks beside them.
                home_channels: [
                    "tin-tuc-su-kien",
                    "hoat-dong-cua-lanh-dao",
                    "tin-dia-phuong",
                    "thong-bao",
                ]
                .map(str::to_owned)
                .to_vec(),
                ..Default::default()
            },
        )?;
    }
    summary.sites = sites.len();

    // Content, back-dated over the last half year.
    let now = Utc::now();
    let clock = Arc::new(ManualClock::new(now - Duration::days(180)));
    let dated = engine.with_clock(clock.clone());
    let crew = Crew {
        author: engine.actor_by_name("author")?,
        editor: engine.actor_by_name("editor")?,
        approver: engine.actor_by_name("approver")?,
    };
    let mut first_of_kind: Vec<SiteKind> = Vec::new();
    // Drawn once: every site's library holds the same bytes (stored once, by checksum).
    let photo_bytes: Vec<Vec<u8>> = if media.is_some() {
        (0..photos::TITLES.len()).map(photos::photo).collect()
    } else {
        Vec::new()
    };
    for (slug, name, kind) in &sites {
        let articles = if *kind == SiteKind::Main {
            size.main_articles
        } else {
            rng.gen_range(size.component_articles.0..=size.component_articles.1)
        };
        let place = short_place(name);
        // The site's photos: the main portal has the whole set, a component portal two.
        let covers: Vec<String> = match media {
            Some(m) => {
                let n = if *kind == SiteKind::Main {
                    photos::TITLES.len()
                } else {
                    2
                };
                let first = rng.gen_range(0..photos::TITLES.len());
                (first..first + n)
                    .map(|i| {
                        let i = i % photos::TITLES.len();
                        let title = photos::TITLES.get(i).copied().unwrap_or("Ảnh");
                        let bytes = photo_bytes.get(i).cloned().unwrap_or_default();
                        m.add(
                            &crew.author,
                            slug,
                            &format!("anh-{}.jpg", i + 1),
                            title,
                            bytes,
                        )
                    })
                    .collect::<Result<_, _>>()?
            }
            None => Vec::new(),
        };
        let mut jobs: Vec<(i64, Value, &str, &str)> = Vec::new();
        for _ in 0..articles {
            let channel = match rng.gen_range(0..10) {
                0..=3 => "tin-tuc-su-kien",
                4..=5 => "hoat-dong-cua-lanh-dao",
                6..=7 => "tin-dia-phuong",
                _ => "thong-bao",
            };
            let mut fields = article(&mut rng, &place);
            // Most stories have a photo, as on a real portal; notices rarely do.
            let with_photo = channel != "thong-bao" && rng.gen_bool(0.8);
            if let (true, Some(cover)) = (
                with_photo,
                covers.get(rng.gen_range(0..covers.len().max(1))),
            ) {
                if let Some(f) = fields.as_object_mut() {
                    f.insert("cover".into(), json!(cover));
                }
            }
            jobs.push((rng.gen_range(0..180 * 24 * 60), fields, "article", channel));
        }
        let docs = if *kind == SiteKind::Main {
            40
        } else {
            rng.gen_range(2..5)
        };
        for _ in 0..docs {
            let mut fields = document(&mut rng, name);
            if let Some(m) = media {
                attach_pdf(m, &crew.author, slug, &mut fields)?;
            }
            jobs.push((
                rng.gen_range(0..180 * 24 * 60),
                fields,
                "document",
                "van-ban-chi-dao-dieu-hanh",
            ));
        }
        for spec in procedures::for_portal(*kind, name) {
            jobs.push((
                rng.gen_range(0..180 * 24 * 60),
                procedure(spec, name),
                "procedure",
                "thu-tuc-hanh-chinh",
            ));
        }
        jobs.push((
            0,
            page(
                "Giới thiệu chung",
                &format!(
                    "{name} là một đơn vị trong hệ thống chính trị của tỉnh Lào Cai.\n\n{}",
                    words::paragraph(&mut rng, 4)
                ),
            ),
            "page",
            "gioi-thieu",
        ));
        jobs.push((
            1,
            page(
                "Liên hệ",
                &format!(
                    "**{name}**\n\nĐịa chỉ: {}.\n\nĐiện thoại: 0214 3840 {:03}",
                    address_of(name, *kind),
                    rng.gen_range(100..999)
                ),
            ),
            "page",
            "gioi-thieu",
        ));
        jobs.sort_by_key(|j| j.0);
        for (minute, fields, kind_name, channel) in jobs {
            clock.set(now - Duration::days(180) + Duration::minutes(minute));
            publish(&dated, &crew, &clock, slug, kind_name, channel, fields)?;
            summary.items += 1;
            summary.published += 1;
        }
        // Every workflow state on the main portal and on the first portal of each kind.
        if !first_of_kind.contains(kind) {
            first_of_kind.push(*kind);
            clock.set(now - Duration::hours(30));
            summary.items += in_every_state(&dated, &crew, &clock, slug, &place, &mut rng, now)?;
        }
    }
    // Citizens' questions and a draft open for comment, on the main portal.
    let made = participation::seed(&dated, &crew, &clock, "main", now)?;
    summary.items += made;
    summary.published += made;
    engine.record_system("demo.finished", None)?;
    Ok(summary)
}

/// The body that manages a portal (Decree 42/2022's "cơ quan chủ quản").
fn agency_of(name: &str, kind: SiteKind) -> String {
    match kind {
        SiteKind::Main => "Ủy ban nhân dân tỉnh Lào Cai".to_owned(),
        SiteKind::District | SiteKind::Commune => {
            format!("Ủy ban nhân dân {}", procedures::lower_first(name))
        }
        _ => name.to_owned(),
    }
}

/// Who answers for a portal's content.
fn responsible_of(name: &str, kind: SiteKind) -> String {
    match kind {
        SiteKind::Main => "Chánh Văn phòng Ủy ban nhân dân tỉnh".to_owned(),
        SiteKind::District | SiteKind::Commune => {
            format!("Chủ tịch Ủy ban nhân dân {}", procedures::lower_first(name))
        }
        SiteKind::Department if name.starts_with("Sở ") => format!("Giám đốc {name}"),
        _ => format!("Thủ trưởng {name}"),
    }
}

fn address_of(name: &str, kind: SiteKind) -> String {
    match kind {
        SiteKind::Main | SiteKind::Department | SiteKind::Council => {
            "Khối 2, Đại lộ Trần Hưng Đạo, phường Nam Cường, tỉnh Lào Cai".to_owned()
        }
        SiteKind::District | SiteKind::Commune => format!(
            "Trụ sở Ủy ban nhân dân {}, tỉnh Lào Cai",
            procedures::lower_first(name)
        ),
        _ => format!("Trụ sở {name}, tỉnh Lào Cai"),
    }
}

fn display_name(user: &str) -> &'static str {
    match user {
        "author" => "Phóng viên Nguyễn Minh Anh",
        "editor" => "Biên tập viên Trần Thu Hằng",
        "approver" => "Lãnh đạo duyệt Lê Quang Vinh",
        _ => "Quản trị mạng lưới",
    }
}

fn short_place(name: &str) -> String {
    if name == MAIN {
        "Lào Cai".to_owned()
    } else {
        name.to_owned()
    }
}

fn article<R: Rng>(rng: &mut R, place: &str) -> Value {
    let story = words::story(rng, place);
    json!({
        "title": story.title,
        "summary": story.summary,
        "body": story.body,
        "author_line": pick(rng, words::PEOPLE),
        "tags": [story.field],
    })
}

fn document<R: Rng>(rng: &mut R, issuer: &str) -> Value {
    let (doc_type, abbr) = *words::DOC_TYPES.choose_one(rng);
    let body_abbr = if issuer == MAIN {
        "UBND".to_owned()
    } else {
        initials(issuer)
    };
    let number = rng.gen_range(1..4000);
    let symbol = if abbr.is_empty() {
        format!("{number}/{body_abbr}-VP")
    } else {
        format!("{number}/{abbr}-{body_abbr}")
    };
    let issued = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
        + Duration::days(rng.gen_range(0..300));
    let issuer_name = if issuer == MAIN {
        "UBND tỉnh Lào Cai"
    } else {
        issuer
    };
    let topic = pick(rng, words::TOPICS);
    json!({
        "number": symbol,
        "doc_type": doc_type,
        "issuer": issuer_name,
        "signer": pick(rng, words::PEOPLE),
        "issued_on": issued.format("%Y-%m-%d").to_string(),
        "effective_on": issued.format("%Y-%m-%d").to_string(),
        "status": if rng.gen_bool(0.85) { "in_force" } else { "expired" },
        "field": words::field_of(topic),
        "title": format!("Về việc {topic}"),
        "summary": format!("{doc_type} về việc {topic} {}", pick(rng, words::PERIODS)),
        "body": format!("Căn cứ Luật Tổ chức chính quyền địa phương;\n\n{}\n\n**Điều 1.** {}\n\n**Điều 2.** {}\n\n**Điều 3.** {doc_type} có hiệu lực kể từ ngày ký.",
            words::paragraph_on(rng, 2, &[topic]), words::paragraph_on(rng, 3, &[topic]), words::paragraph_on(rng, 2, &[topic])),
    })
}

fn procedure(spec: &procedures::ProcedureSpec, portal: &str) -> Value {
    let mut fields = json!({
        "code": spec.code,
        "title": spec.title,
        "field": spec.field,
        "level": spec.level.as_str(),
        "agency": procedures::agency(spec, portal),
        "steps": "Bước 1: Tổ chức, cá nhân nộp hồ sơ tại Bộ phận Một cửa hoặc trực tuyến trên Cổng Dịch vụ công.\n\nBước 2: Cán bộ tiếp nhận kiểm tra tính đầy đủ, hợp lệ của hồ sơ; hồ sơ chưa đủ được hướng dẫn bổ sung một lần.\n\nBước 3: Cơ quan có thẩm quyền giải quyết và trả kết quả theo thời hạn quy định.",
        "papers": spec.papers,
        "duration": spec.duration,
        "fees": spec.fees,
        "legal_basis": spec.legal_basis,
        "online_level": spec.online,
    });
    if spec.online != "none" {
        if let Some(f) = fields.as_object_mut() {
            f.insert(
                "online_url".into(),
                json!(format!(
                    "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc={}",
                    spec.code
                )),
            );
        }
    }
    fields
}

/// Writes a document's text as its attached PDF and lists it in `fields`.
fn attach_pdf(
    media: &dyn DemoMedia,
    actor: &Actor,
    site: &str,
    fields: &mut Value,
) -> Result<(), EngineError> {
    let text = |k: &str| {
        fields
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let (number, doc_type, issuer) = (text("number"), text("doc_type"), text("issuer"));
    let heading = vec![
        issuer.to_uppercase(),
        format!("Số: {number}"),
        String::new(),
        doc_type.to_uppercase(),
        text("title"),
    ];
    let paragraphs: Vec<String> = text("body")
        .split("\n\n")
        .map(|p| p.replace("**", ""))
        .chain([format!("Người ký: {}", text("signer"))])
        .collect();
    let bytes = pdf::one_page(&heading, &paragraphs);
    let written = heading
        .iter()
        .chain(paragraphs.iter())
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    let filename = format!("{doc_type} {}.pdf", number.replace('/', "-"));
    let id = media.add_with_text(
        actor,
        site,
        &filename,
        &format!("{doc_type} {number}"),
        bytes,
        &written,
    )?;
    if let Some(f) = fields.as_object_mut() {
        f.insert(
            "attachments".into(),
            json!([{"name": filename, "href": format!("/media/{id}")}]),
        );
    }
    Ok(())
}

fn page(title: &str, body: &str) -> Value {
    json!({"title": title, "body": body})
}

fn create(
    engine: &Engine,
    crew: &Crew,
    site: &str,
    kind: &str,
    channel: &str,
    fields: Value,
) -> Result<ItemId, EngineError> {
    Ok(engine
        .create_item(
            &crew.author,
            site,
            NewItemInput {
                kind: kind.to_owned(),
                channels: vec![channel.to_owned()],
                slug: None,
                fields,
            },
        )?
        .id)
}

fn step(
    engine: &Engine,
    actor: &Actor,
    clock: &ManualClock,
    id: ItemId,
    action: &str,
    comment: Option<&str>,
    at: Option<String>,
) -> Result<(), EngineError> {
    clock.advance(Duration::minutes(17));
    engine.transition(
        actor,
        id,
        TransitionInput {
            action: action.to_owned(),
            comment: comment.map(str::to_owned),
            at,
        },
    )?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn publish(
    engine: &Engine,
    crew: &Crew,
    clock: &ManualClock,
    site: &str,
    kind: &str,
    channel: &str,
    fields: Value,
) -> Result<ItemId, EngineError> {
    let id = create(engine, crew, site, kind, channel, fields)?;
    step(engine, &crew.author, clock, id, "submit", None, None)?;
    step(engine, &crew.editor, clock, id, "forward", None, None)?;
    step(engine, &crew.approver, clock, id, "publish", None, None)?;
    Ok(id)
}

/// One or more items in each workflow state; returns how many items it made.
fn in_every_state<R: Rng>(
    engine: &Engine,
    crew: &Crew,
    clock: &ManualClock,
    site: &str,
    place: &str,
    rng: &mut R,
    real_now: chrono::DateTime<Utc>,
) -> Result<usize, EngineError> {
    let ch = "tin-tuc-su-kien";
    let mut made = 0;
    let mut new = |rng: &mut R| -> Result<ItemId, EngineError> {
        made += 1;
        create(engine, crew, site, "article", ch, article(rng, place))
    };
    let _draft = new(rng)?;
    let review = new(rng)?;
    step(engine, &crew.author, clock, review, "submit", None, None)?;
    let approval = new(rng)?;
    step(engine, &crew.author, clock, approval, "submit", None, None)?;
    step(engine, &crew.editor, clock, approval, "forward", None, None)?;
    let returned = new(rng)?;
    step(engine, &crew.author, clock, returned, "submit", None, None)?;
    step(
        engine,
        &crew.editor,
        clock,
        returned,
        "return",
        Some("Đề nghị bổ sung số liệu cụ thể và ảnh minh họa."),
        None,
    )?;
    let scheduled = new(rng)?;
    step(engine, &crew.author, clock, scheduled, "submit", None, None)?;
    step(
        engine,
        &crew.editor,
        clock,
        scheduled,
        "forward",
        None,
        None,
    )?;
    let at = (real_now + Duration::days(2)).to_rfc3339();
    step(
        engine,
        &crew.approver,
        clock,
        scheduled,
        "schedule",
        None,
        Some(at),
    )?;
    let unpublished = new(rng)?;
    for (who, a) in [
        (&crew.author, "submit"),
        (&crew.editor, "forward"),
        (&crew.approver, "publish"),
        (&crew.approver, "unpublish"),
    ] {
        step(engine, who, clock, unpublished, a, None, None)?;
    }
    let archived = new(rng)?;
    for (who, a) in [
        (&crew.author, "submit"),
        (&crew.editor, "forward"),
        (&crew.approver, "publish"),
        (&crew.approver, "unpublish"),
        (&crew.approver, "archive"),
    ] {
        step(engine, who, clock, archived, a, None, None)?;
    }
    let edited = new(rng)?;
    for (who, a) in [
        (&crew.author, "submit"),
        (&crew.editor, "forward"),
        (&crew.approver, "publish"),
    ] {
        step(engine, who, clock, edited, a, None, None)?;
    }
    let mut fields = article(rng, place);
    let title = format!(
        "{} (bản cập nhật)",
        fields.get("title").and_then(Value::as_str).unwrap_or("")
    );
    if let Some(f) = fields.as_object_mut() {
        f.insert("title".into(), json!(title));
    }
    engine.save_item(
        &crew.author,
        edited,
        SaveInput {
            base_revision: 1,
            fields,
            channels: None,
        },
    )?;
    Ok(made)
}

/// `choose` for slices of pairs (rand's `choose` returns an `Option`).
trait ChooseOne<T> {
    fn choose_one<R: Rng>(&self, rng: &mut R) -> &T;
}

impl<T> ChooseOne<T> for [T] {
    #[allow(
        clippy::indexing_slicing,
        reason = "only called on the word lists, which are never empty"
    )]
    fn choose_one<R: Rng>(&self, rng: &mut R) -> &T {
        &self[rng.gen_range(0..self.len())]
    }
}
