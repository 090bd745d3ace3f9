//! The engine's `Store` for every backend: each method runs its query module in a write
//! transaction (`write`) or on a read connection (`read`). A backend supplies those two and
//! `lead`, and gets the rest from `impl_store!`.

/// Implements `portico_engine::Store` for a backend type with inherent `write`, `read` and
/// `lead` methods.
macro_rules! impl_store {
    ($store:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use portico_engine::{
                AccountChange, ApiToken, AuditEntry, AuditFilter, AuditRow, Channel, ChannelChange,
                ChannelId, Delivery, DeliveryAttempt, Event, EventLog, ItemId, ItemListFilter,
                ItemRecord, ItemStore, ItemUpdate, ListCursor, ListFilter, Media, MediaEvent,
                MediaFile, MediaFilter, MediaId, MediaStore, MediaUse, NewApiTokenRecord, NewEvent,
                NewItemRecord, NewMediaRecord, NewSiteRecord, NewUserRecord, NewWebhookRecord,
                ProfileChange, ProviderStanding, RevisionNo, RevisionRecord, Role, Site, SiteId,
                SiteStore, State, StateCount, StoreResult, User, UserId, UserRecord, UserStore,
                Webhook, WebhookId, WebhookStore,
            };
            use $crate::sql::{check, items, log, media, participation, sites, users, webhooks};

            impl SiteStore for $store {
                fn insert_site(
                    &self,
                    site: &NewSiteRecord,
                    audit: &AuditEntry,
                    event: &NewEvent,
                ) -> StoreResult<Site> {
                    self.write(|tx| sites::insert_site(tx, site, audit, event))
                }
                fn update_site_settings(
                    &self,
                    site: SiteId,
                    settings: &portico_engine::SiteSettings,
                    audit: &AuditEntry,
                    event: &NewEvent,
                ) -> StoreResult<Site> {
                    self.write(|tx| sites::update_settings(tx, site, settings, audit, event))
                }
                fn sites(&self) -> StoreResult<Vec<Site>> {
                    self.read(sites::sites)
                }
                fn site_by_slug(&self, slug: &str) -> StoreResult<Option<Site>> {
                    self.read(|c| sites::site_by_slug(c, slug))
                }
                fn site(&self, id: SiteId) -> StoreResult<Option<Site>> {
                    self.read(|c| sites::site(c, id))
                }
                fn channels(&self, site: SiteId) -> StoreResult<Vec<Channel>> {
                    self.read(|c| sites::channels(c, site))
                }
                fn insert_channel(
                    &self,
                    ch: &ChannelChange,
                    audit: &AuditEntry,
                    event: &NewEvent,
                ) -> StoreResult<Channel> {
                    self.write(|tx| sites::insert_channel(tx, ch, audit, event))
                }
                fn update_channel(
                    &self,
                    id: ChannelId,
                    ch: &ChannelChange,
                    audit: &AuditEntry,
                    event: &NewEvent,
                ) -> StoreResult<Channel> {
                    self.write(|tx| sites::update_channel(tx, id, ch, audit, event))
                }
                fn delete_channel(
                    &self,
                    id: ChannelId,
                    audit: &AuditEntry,
                    event: &NewEvent,
                ) -> StoreResult<()> {
                    self.write(|tx| sites::delete_channel(tx, id, audit, event))
                }
                fn catalog_version(&self) -> StoreResult<i64> {
                    self.read(log::catalog_version)
                }
            }

            impl UserStore for $store {
                fn insert_user(
                    &self,
                    user: &NewUserRecord,
                    audit: &AuditEntry,
                    event: &NewEvent,
                ) -> StoreResult<User> {
                    self.write(|tx| users::insert_user(tx, user, audit, event))
                }
                fn user_by_name(&self, username: &str) -> StoreResult<Option<UserRecord>> {
                    self.read(|c| users::user_by_name(c, username))
                }
                fn user_by_sso(&self, subject: &str) -> StoreResult<Option<UserRecord>> {
                    self.read(|c| users::user_by_sso(c, subject))
                }
                fn update_profile(
                    &self,
                    user: UserId,
                    change: &ProfileChange,
                    audit: &AuditEntry,
                ) -> StoreResult<()> {
                    self.write(|tx| users::update_profile(tx, user, change, audit))
                }
                fn mark_sso_seen(&self, user: UserId, at: DateTime<Utc>) -> StoreResult<()> {
                    self.write(|tx| users::mark_sso_seen(tx, user, at))
                }
                fn provider_standing(&self, user: UserId) -> StoreResult<Option<ProviderStanding>> {
                    self.read(|c| users::provider_standing(c, user))
                }
                fn user(&self, id: UserId) -> StoreResult<Option<User>> {
                    self.read(|c| users::user(c, id))
                }
                fn users(&self) -> StoreResult<Vec<User>> {
                    self.read(users::users)
                }
                fn roles_of(&self, user: UserId) -> StoreResult<Vec<(SiteId, Role)>> {
                    self.read(|c| users::roles_of(c, user))
                }
                fn site_roles(&self, site: SiteId) -> StoreResult<Vec<(User, Role)>> {
                    self.read(|c| users::site_roles(c, site))
                }
                fn set_role(
                    &self,
                    user: UserId,
                    site: SiteId,
                    role: Role,
                    granted: bool,
                    audit: &AuditEntry,
                    event: &NewEvent,
                ) -> StoreResult<bool> {
                    self.write(|tx| users::set_role(tx, user, site, role, granted, audit, event))
                }
                fn insert_token(
                    &self,
                    hash: &str,
                    user: UserId,
                    expires_at: DateTime<Utc>,
                ) -> StoreResult<()> {
                    self.write(|tx| users::insert_token(tx, hash, user, expires_at))
                }
                fn token_user(
                    &self,
                    hash: &str,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<UserId>> {
                    self.read(|c| users::token_user(c, hash, now))
                }
                fn delete_token(&self, hash: &str) -> StoreResult<()> {
                    self.write(|tx| users::delete_token(tx, hash))
                }
                fn insert_api_token(
                    &self,
                    t: &NewApiTokenRecord,
                    audit: &AuditEntry,
                ) -> StoreResult<ApiToken> {
                    self.write(|tx| users::insert_api_token(tx, t, audit))
                }
                fn api_tokens(&self, user: UserId) -> StoreResult<Vec<ApiToken>> {
                    self.read(|c| users::api_tokens(c, user))
                }
                fn api_token(&self, id: i64) -> StoreResult<Option<ApiToken>> {
                    self.read(|c| users::api_token(c, id))
                }
                fn delete_api_token(&self, id: i64, audit: &AuditEntry) -> StoreResult<bool> {
                    self.write(|tx| users::delete_api_token(tx, id, audit))
                }
                fn api_token_by_hash(
                    &self,
                    hash: &str,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<ApiToken>> {
                    self.read(|c| users::api_token_by_hash(c, hash, now))
                }
                fn touch_api_token(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
                    self.write(|tx| users::touch_api_token(tx, id, now))
                }
                fn update_account(
                    &self,
                    user: UserId,
                    change: &AccountChange,
                    audit: &AuditEntry,
                ) -> StoreResult<()> {
                    self.write(|tx| users::update_account(tx, user, change, audit))
                }
            }

            impl ItemStore for $store {
                fn insert_item(&self, item: &NewItemRecord) -> StoreResult<ItemRecord> {
                    self.write(|tx| items::insert_item(tx, item))
                }
                fn item(&self, id: ItemId) -> StoreResult<Option<ItemRecord>> {
                    self.read(|c| items::item(c, id))
                }
                fn update_item(&self, update: &ItemUpdate) -> StoreResult<ItemRecord> {
                    self.write(|tx| items::update_item(tx, update))
                }
                fn item_by_slug(
                    &self,
                    site: SiteId,
                    slug: &str,
                ) -> StoreResult<Option<ItemRecord>> {
                    self.read(|c| items::item_by_slug(c, site, slug))
                }
                fn copies_of(&self, source: ItemId) -> StoreResult<Vec<ItemRecord>> {
                    self.read(|c| items::copies_of(c, source))
                }
                fn slug_exists(&self, site: SiteId, slug: &str) -> StoreResult<bool> {
                    self.read(|c| items::slug_exists(c, site, slug))
                }
                fn revision(
                    &self,
                    item: ItemId,
                    rev: RevisionNo,
                ) -> StoreResult<Option<RevisionRecord>> {
                    self.read(|c| items::revision(c, item, rev))
                }
                fn revisions(&self, item: ItemId) -> StoreResult<Vec<RevisionRecord>> {
                    self.read(|c| items::revisions(c, item))
                }
                fn history(&self, item: ItemId) -> StoreResult<Vec<AuditRow>> {
                    self.read(|c| log::history(c, item))
                }
                fn list_items(
                    &self,
                    site: SiteId,
                    filter: &ItemListFilter,
                    limit: usize,
                ) -> StoreResult<Vec<ItemRecord>> {
                    self.read(|c| items::list_items(c, site, filter, limit))
                }
                fn waiting_counts(&self, sites: Option<&[SiteId]>) -> StoreResult<Vec<StateCount>> {
                    self.read(|c| items::waiting_counts(c, sites))
                }
                fn queue(
                    &self,
                    site: SiteId,
                    states: &[State],
                    limit: usize,
                ) -> StoreResult<Vec<ItemRecord>> {
                    self.read(|c| items::queue(c, site, states, limit))
                }
                fn due_scheduled(
                    &self,
                    now: DateTime<Utc>,
                    limit: usize,
                ) -> StoreResult<Vec<ItemId>> {
                    self.read(|c| items::due_scheduled(c, now.timestamp_micros(), limit))
                }
                fn live_item_by_slug(
                    &self,
                    site: SiteId,
                    slug: &str,
                ) -> StoreResult<Option<(ItemRecord, RevisionRecord)>> {
                    self.read(|c| items::live_item_by_slug(c, site, slug))
                }
                fn live_item(
                    &self,
                    id: ItemId,
                ) -> StoreResult<Option<(ItemRecord, RevisionRecord)>> {
                    self.read(|c| items::live_item(c, id))
                }
                fn live_items(
                    &self,
                    after: ItemId,
                    limit: usize,
                ) -> StoreResult<Vec<(ItemRecord, RevisionRecord)>> {
                    self.read(|c| items::live_items(c, after, limit))
                }
                fn live_count(&self) -> StoreResult<u64> {
                    self.read(items::live_count)
                }
                fn live_issuers(&self, site: SiteId) -> StoreResult<Vec<String>> {
                    self.read(|c| items::live_issuers(c, site))
                }
                fn list_live(
                    &self,
                    filter: &ListFilter,
                    cursor: Option<ListCursor>,
                    limit: usize,
                ) -> StoreResult<Vec<(ItemRecord, RevisionRecord)>> {
                    self.read(|c| items::list_live(c, filter, cursor, limit))
                }
            }

            impl EventLog for $store {
                fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
                    self.write(|tx| log::append_audit(tx, entry, None))
                }
                fn audit_count(&self, action: &str) -> StoreResult<u64> {
                    self.read(|c| log::audit_count(c, action))
                }
                fn audit_log(
                    &self,
                    filter: &AuditFilter,
                    before: Option<i64>,
                    limit: usize,
                ) -> StoreResult<Vec<(i64, AuditRow)>> {
                    self.read(|c| log::audit_log(c, filter, before, limit))
                }
                fn recent_item_activity(
                    &self,
                    sites: Option<&[SiteId]>,
                    limit: usize,
                ) -> StoreResult<Vec<(AuditRow, String)>> {
                    self.read(|c| log::recent_item_activity(c, sites, limit))
                }
                fn lead(&self) -> StoreResult<bool> {
                    <$store>::lead(self)
                }
                fn last_event_seq(&self) -> StoreResult<i64> {
                    self.read(log::last_event_seq)
                }
                fn events_after(&self, after: i64, limit: usize) -> StoreResult<Vec<Event>> {
                    self.read(|c| log::events_after(c, after, limit))
                }
                fn check(&self) -> StoreResult<Vec<String>> {
                    self.read(check::check)
                }
            }

            impl WebhookStore for $store {
                fn resume_webhook(&self, id: WebhookId, audit: &AuditEntry) -> StoreResult<()> {
                    self.write(|tx| webhooks::resume(tx, id, audit))
                }
                fn insert_webhook(
                    &self,
                    hook: &NewWebhookRecord,
                    audit: &AuditEntry,
                ) -> StoreResult<Webhook> {
                    self.write(|tx| webhooks::insert(tx, hook, audit))
                }
                fn webhooks(&self, site: Option<SiteId>) -> StoreResult<Vec<Webhook>> {
                    self.read(|c| webhooks::list(c, site))
                }
                fn webhook(&self, id: WebhookId) -> StoreResult<Option<Webhook>> {
                    self.read(|c| webhooks::get(c, id))
                }
                fn delete_webhook(&self, id: WebhookId, audit: &AuditEntry) -> StoreResult<()> {
                    self.write(|tx| webhooks::delete(tx, id, audit))
                }
                fn record_delivery(&self, attempt: &DeliveryAttempt) -> StoreResult<()> {
                    self.write(|tx| webhooks::record(tx, attempt))
                }
                fn advance_webhook(&self, id: WebhookId, seq: i64) -> StoreResult<()> {
                    self.write(|tx| webhooks::advance(tx, id, seq))
                }
                fn deliveries(&self, id: WebhookId, limit: usize) -> StoreResult<Vec<Delivery>> {
                    self.read(|c| webhooks::deliveries(c, id, limit))
                }
            }

            impl MediaStore for $store {
                fn insert_media(
                    &self,
                    m: &NewMediaRecord,
                    audit: &AuditEntry,
                    event: MediaEvent<'_>,
                ) -> StoreResult<Media> {
                    self.write(|tx| media::insert(tx, m, audit, event))
                }
                fn media(&self, id: MediaId) -> StoreResult<Option<Media>> {
                    self.read(|c| media::get(c, id))
                }
                fn list_media(
                    &self,
                    site: SiteId,
                    filter: &MediaFilter,
                ) -> StoreResult<Vec<Media>> {
                    self.read(|c| media::list(c, site, filter))
                }
                fn replace_media(
                    &self,
                    id: MediaId,
                    file: &MediaFile,
                    audit: &AuditEntry,
                    event: MediaEvent<'_>,
                ) -> StoreResult<Media> {
                    self.write(|tx| media::replace(tx, id, file, audit, event))
                }
                fn update_media(
                    &self,
                    id: MediaId,
                    public: bool,
                    title: &str,
                    alt: &str,
                    audit: &AuditEntry,
                    event: MediaEvent<'_>,
                ) -> StoreResult<Media> {
                    self.write(|tx| media::update(tx, id, public, title, alt, audit, event))
                }
                fn delete_media(
                    &self,
                    id: MediaId,
                    audit: &AuditEntry,
                    event: MediaEvent<'_>,
                ) -> StoreResult<()> {
                    self.write(|tx| media::delete(tx, id, audit, event))
                }
                fn media_uses(&self, id: MediaId) -> StoreResult<Vec<MediaUse>> {
                    self.read(|c| media::uses(c, id))
                }
                fn media_published(&self, id: MediaId) -> StoreResult<bool> {
                    self.read(|c| media::published(c, id))
                }
                fn media_checksum_uses(&self, checksum: &str) -> StoreResult<u64> {
                    self.read(|c| media::checksum_uses(c, checksum))
                }
                fn file_text(
                    &self,
                    checksum: &str,
                ) -> StoreResult<Option<portico_engine::FileText>> {
                    self.read(|c| media::file_text(c, checksum))
                }
                fn put_file_text(
                    &self,
                    text: &portico_engine::FileText,
                    event: portico_engine::TextEvent<'_>,
                ) -> StoreResult<usize> {
                    self.write(|tx| media::put_file_text(tx, text, event))
                }
                fn files_awaiting_text(
                    &self,
                    limit: usize,
                ) -> StoreResult<Vec<portico_engine::FileToRead>> {
                    self.read(|c| media::files_awaiting_text(c, limit))
                }
                fn published_file_texts(
                    &self,
                    item: ItemId,
                ) -> StoreResult<Vec<portico_engine::AttachmentText>> {
                    self.read(|c| media::published_file_texts(c, item))
                }
            }

            impl portico_engine::ParticipationStore for $store {
                fn insert_question(
                    &self,
                    q: &portico_engine::NewQuestionRecord,
                ) -> StoreResult<portico_engine::QuestionRecord> {
                    self.write(|tx| participation::insert_question(tx, q))
                }
                fn question(
                    &self,
                    id: portico_engine::QuestionId,
                ) -> StoreResult<Option<portico_engine::QuestionRecord>> {
                    self.read(|c| participation::question(c, id))
                }
                fn question_by_reference(
                    &self,
                    reference: &str,
                ) -> StoreResult<Option<portico_engine::QuestionRecord>> {
                    self.read(|c| participation::by_reference(c, reference))
                }
                fn question_by_item(
                    &self,
                    item: ItemId,
                ) -> StoreResult<Option<portico_engine::QuestionRecord>> {
                    self.read(|c| participation::by_item(c, item))
                }
                fn question_by_confirmation(
                    &self,
                    hash: &str,
                ) -> StoreResult<Option<portico_engine::QuestionRecord>> {
                    self.read(|c| participation::by_confirmation(c, hash))
                }
                fn question_by_fingerprint(
                    &self,
                    site: SiteId,
                    fingerprint: &str,
                    since: DateTime<Utc>,
                ) -> StoreResult<Option<portico_engine::QuestionRecord>> {
                    self.read(|c| participation::by_fingerprint(c, site, fingerprint, since))
                }
                fn questions(
                    &self,
                    site: SiteId,
                    status: Option<portico_engine::QuestionStatus>,
                    limit: usize,
                ) -> StoreResult<Vec<portico_engine::QuestionRecord>> {
                    self.read(|c| participation::questions(c, site, status, limit))
                }
                fn update_question(
                    &self,
                    id: portico_engine::QuestionId,
                    change: &portico_engine::QuestionChange,
                    at: DateTime<Utc>,
                    audit: Option<&AuditEntry>,
                    mail: &[portico_engine::NewMail],
                ) -> StoreResult<portico_engine::QuestionRecord> {
                    self.write(|tx| participation::update_question(tx, id, change, at, audit, mail))
                }
                fn insert_comment(
                    &self,
                    c: &portico_engine::NewCommentRecord,
                ) -> StoreResult<portico_engine::CommentRecord> {
                    self.write(|tx| participation::insert_comment(tx, c))
                }
                fn comment(
                    &self,
                    id: portico_engine::CommentId,
                ) -> StoreResult<Option<portico_engine::CommentRecord>> {
                    self.read(|c| participation::comment(c, id))
                }
                fn comment_by_fingerprint(
                    &self,
                    item: ItemId,
                    fingerprint: &str,
                ) -> StoreResult<Option<portico_engine::CommentRecord>> {
                    self.read(|c| participation::comment_by_fingerprint(c, item, fingerprint))
                }
                fn comments(
                    &self,
                    item: ItemId,
                    status: Option<portico_engine::CommentStatus>,
                ) -> StoreResult<Vec<portico_engine::CommentRecord>> {
                    self.read(|c| participation::comments(c, item, status))
                }
                fn update_comment(
                    &self,
                    id: portico_engine::CommentId,
                    change: &portico_engine::CommentChange,
                    at: DateTime<Utc>,
                    audit: &AuditEntry,
                    events: &[NewEvent],
                ) -> StoreResult<portico_engine::CommentRecord> {
                    self.write(|tx| {
                        participation::update_comment(tx, id, change, at, audit, events)
                    })
                }
                fn erase_participants(
                    &self,
                    site: SiteId,
                    before: DateTime<Utc>,
                ) -> StoreResult<u64> {
                    self.write(|tx| participation::erase_participants(tx, site, before))
                }
                fn waiting(
                    &self,
                    sites: &[SiteId],
                ) -> StoreResult<Vec<(SiteId, portico_engine::Waiting)>> {
                    self.read(|c| participation::waiting(c, sites))
                }
                fn queue_mail(
                    &self,
                    mail: &[portico_engine::NewMail],
                    at: DateTime<Utc>,
                ) -> StoreResult<()> {
                    self.write(|tx| participation::queue(tx, mail, at))
                }
                fn pending_mail(
                    &self,
                    max_attempts: u32,
                    limit: usize,
                ) -> StoreResult<Vec<portico_engine::Mail>> {
                    self.read(|c| participation::pending_mail(c, max_attempts, limit))
                }
                fn mail_attempted(
                    &self,
                    id: portico_engine::MailId,
                    error: Option<&str>,
                ) -> StoreResult<()> {
                    self.write(|tx| participation::mail_attempted(tx, id, error))
                }
            }
        };
    };
}
pub(crate) use impl_store;
