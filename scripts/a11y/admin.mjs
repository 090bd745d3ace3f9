// The editors' interface in a real browser (headless Chromium), as its users work:
// - three users take an article through submit → return with a comment → submit → forward →
//   publish, and the citizen sees it;
// - the whole create-and-submit is done with the keyboard alone;
// - a schedule that comes due; a document with its fields and an attached PDF;
// - two tabs edit one item: the second save shows the conflict, nothing is lost;
// - the author has no publish button and a forged POST is refused; a POST without the CSRF
//   token is refused and changes nothing;
// - every admin screen passes axe-core's WCAG 2.1 A and AA rules at 1280 px and 360 px.
// Usage: node admin.mjs BASE_URL [SHOTS_DIR]   (a running `portico serve --demo`)
import { axeSource, checks, launch } from './harness.mjs';
import fs from 'node:fs';
import assert from 'node:assert/strict';

const base = process.argv[2];
const shots = process.argv[3];
if (!base) {
  console.error('usage: node admin.mjs BASE_URL [SHOTS_DIR]');
  process.exit(2);
}
const axe = axeSource;
const browser = await launch();
const tally = checks();
const check = tally.check;

/** A browser of its own for one user, signed in through the form. */
const signIn = async (username, width = 1280, bypassCSP = false) => {
  // The audit's script needs the CSP set aside; the flows run under it, as users do.
  const context = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP });
  const page = await context.newPage();
  await page.goto(base + '/admin/');
  assert.match(page.url(), /\/admin\/login\?next=/, 'signed out, /admin/ leads to the sign-in page');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', 'demo');
  await Promise.all([page.waitForURL(base + '/admin/'), page.click('button[type=submit]')]);
  return { context, page };
};
const state = (page) => page.getAttribute('[data-state]', 'data-state');
const act = async (page, action) => {
  await Promise.all([page.waitForLoadState('load'), page.click(`button[name=action][value=${action}]`)]);
  await page.waitForSelector('[data-state]');
};
const itemId = (page) => Number(new URL(page.url()).pathname.split('/')[3]);
/** Presses Tab until `pred(activeElement)` holds (in the page), at most 120 times. */
const tabTo = async (page, pred, arg) => {
  for (let i = 0; i < 120; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(pred, arg)) return;
  }
  throw new Error(`Tab never reached ${pred}`);
};

const author = await signIn('author');
const editor = await signIn('editor');
const approver = await signIn('approver');
const title = `Tin thử nghiệm giao diện ${Date.now()}`;
let articleId;

await check('the author writes an article and submits it with the keyboard alone', async () => {
  const { page } = author;
  await page.goto(base + '/admin/sites/main/items');
  await tabTo(page, () => document.activeElement.textContent.trim() === 'Bài viết');
  await Promise.all([page.waitForURL(/items\/new\?kind=article/), page.keyboard.press('Enter')]);
  await tabTo(page, () => document.activeElement.id === 'f-title');
  await page.keyboard.type(title);
  await page.keyboard.press('Tab');
  await page.keyboard.type('Tóm tắt của tin thử nghiệm.');
  await tabTo(page, () => document.activeElement.id === 'f-body');
  await page.keyboard.type('Nội dung đầy đủ: UBND tỉnh họp phiên thường kỳ tháng 11.');
  await tabTo(page, () => document.activeElement.name === 'channels');
  await page.keyboard.press('Space');
  await tabTo(page, () => document.activeElement.type === 'submit' && document.activeElement.closest('#item-form'));
  await Promise.all([page.waitForURL(/\/admin\/items\/\d+\?done=created/), page.keyboard.press('Enter')]);
  articleId = itemId(page);
  assert.equal(await state(page), 'draft');
  await tabTo(page, () => document.activeElement.value === 'submit');
  await Promise.all([page.waitForURL(/done=submit/), page.keyboard.press('Enter')]);
  assert.equal(await state(page), 'in_review');
});

await check('the preview is the page of the site itself, drawn from the form, and stores nothing', async () => {
  const { page, context } = author;
  await page.goto(base + '/admin/sites/main/items/new?kind=article');
  const t = `Xem trước ${Date.now()}`;
  await page.fill('#f-title', t);
  await page.fill('#f-body', 'Đoạn **đậm** và <script>alert(1)</script> không chạy.');
  const [tab] = await Promise.all([context.waitForEvent('page'), page.click('button[formaction$="/preview"]')]);
  await tab.waitForLoadState('load');
  assert.match(await tab.textContent('.portico-preview'), /xem trước/i);
  assert.equal(await tab.locator('strong', { hasText: 'đậm' }).count(), 1, 'Markdown drawn as the theme draws it');
  assert.equal(await tab.locator('script:not([src])').count(), 0, 'no script from the body');
  assert.ok((await tab.content()).includes(t));
  if (shots) await tab.screenshot({ path: `${shots}/preview-1280.png` });
  await tab.close();
  const list = await (await fetch(`${base}/api/v1/public/search?q=${encodeURIComponent(t)}`)).json();
  assert.equal(list.total ?? list.hits?.length ?? 0, 0);
});

await check('a return needs a comment, and the author sees it first', async () => {
  const { page } = editor;
  await page.goto(`${base}/admin/items/${articleId}`);
  await act(page, 'return');
  assert.equal(await state(page), 'in_review', 'no comment, no return');
  assert.match(await page.textContent('#action-error'), /ý kiến/);
  await page.fill('#comment', 'Bổ sung nguồn tin và ảnh minh họa.');
  await act(page, 'return');
  assert.equal(await state(page), 'draft');
  const a = author.page;
  await a.goto(`${base}/admin/items/${articleId}`);
  assert.match(await a.textContent('.returned'), /Bổ sung nguồn tin/);
  await a.fill('#f-source', 'Văn phòng UBND tỉnh');
  await Promise.all([a.waitForURL(/done=saved/), a.click('#item-form button[type=submit]')]);
  assert.equal(await a.inputValue('#f-source'), 'Văn phòng UBND tỉnh');
  await act(a, 'submit');
  assert.equal(await state(a), 'in_review');
});

await check('the editor forwards; the author has no publish button and a forged one is refused', async () => {
  await editor.page.goto(`${base}/admin/items/${articleId}`);
  await act(editor.page, 'forward');
  assert.equal(await state(editor.page), 'in_approval');
  const a = author.page;
  await a.goto(`${base}/admin/items/${articleId}`);
  assert.equal(await a.locator('button[name=action][value=publish]').count(), 0);
  const csrf = await a.getAttribute('input[name=csrf]', 'value');
  const forged = await a.request.post(`${base}/admin/items/${articleId}/transition`, {
    form: { csrf, action: 'publish' },
    maxRedirects: 0,
  });
  assert.equal(forged.status(), 403);
  await a.reload();
  assert.equal(await state(a), 'in_approval');
});

await check('a POST without the CSRF token is refused and changes nothing', async () => {
  const a = author.page;
  const res = await a.request.post(`${base}/admin/sites/main/items/new`, {
    form: { kind: 'page', title: 'Không được tạo' },
    maxRedirects: 0,
  });
  assert.equal(res.status(), 403);
  const wrong = await a.request.post(`${base}/admin/items/${articleId}/transition`, {
    form: { csrf: 'forged', action: 'submit' },
    maxRedirects: 0,
  });
  assert.equal(wrong.status(), 403);
  const list = await (await fetch(`${base}/api/v1/public/sites/main/items?kind=page&limit=100`)).json();
  assert.ok(!list.items.some((i) => i.title === 'Không được tạo'));
});

await check('the approver publishes and the citizen sees it', async () => {
  const p = approver.page;
  await p.goto(`${base}/admin/items/${articleId}`);
  await act(p, 'publish');
  assert.equal(await state(p), 'published');
  const href = await p.getAttribute('a[href^="/main/"]', 'href');
  const res = await fetch(base + href);
  assert.equal(res.status, 200);
  assert.ok((await res.text()).includes(title));
});

let questionId;
let consultationId;
await check('a citizen asks on the portal with JavaScript off; the author answers; the answer is published through the steps; the citizen follows it by reference', async () => {
  const citizen = await browser.newContext({ viewport: { width: 360, height: 800 }, javaScriptEnabled: false });
  const c = await citizen.newPage();
  await c.goto(`${base}/main/hoi-dap`);
  const subject = `Hỏi về giấy phép kinh doanh ${Date.now()}`;
  await c.fill('#a-name', 'Lý Thị Dân');
  await c.fill('#a-email', 'ly.thi.dan@example.vn');
  await c.fill('#a-title', subject);
  await c.selectOption('#a-field', 'Đầu tư – kinh doanh');
  await c.fill('#a-body', 'Tôi mở quán ăn nhỏ, có cần đăng ký hộ kinh doanh không?');
  await Promise.all([c.waitForURL(/\/main\/hoi-dap\/tra-cuu\?ma=HD-/), c.click('form[method=post] button[type=submit]')]);
  assert.ok((await c.textContent('main')).includes('Câu hỏi của bạn đã được gửi'));
  const reference = new URL(c.url()).searchParams.get('ma');

  const p = author.page;
  await p.goto(`${base}/admin/`);
  await Promise.all([p.waitForURL(/\/admin\/sites\/main\/questions/), p.click('a[href="/admin/sites/main/questions"] >> nth=0')]);
  await Promise.all([p.waitForLoadState('load'), p.click(`a:has-text("${subject}")`)]);
  questionId = Number(new URL(p.url()).pathname.split('/')[3]);
  assert.ok((await p.textContent('main')).includes('ly.thi.dan@example.vn'), 'staff see the email');
  await p.fill('#q-answer', 'Có. Bà đăng ký hộ kinh doanh tại **UBND cấp xã** nơi đặt quán.');
  await Promise.all([p.waitForURL(/\/admin\/items\/\d+\?done=q_answer/), p.click('button[name=op][value=answer]')]);
  const answerId = itemId(p);
  await act(p, 'submit');
  await editor.page.goto(`${base}/admin/items/${answerId}`);
  await act(editor.page, 'forward');
  await approver.page.goto(`${base}/admin/items/${answerId}`);
  await act(approver.page, 'publish');
  assert.equal(await state(approver.page), 'published');

  await c.goto(`${base}/main/hoi-dap/tra-cuu?ma=${reference}`);
  assert.ok((await c.textContent('main')).includes('Đã trả lời'));
  await Promise.all([c.waitForLoadState('load'), c.click('text=Xem câu trả lời')]);
  const text = await c.textContent('main');
  assert.ok(text.includes('UBND cấp xã') && text.includes('Lý Thị Dân'), 'the answer, with the shown name');
  assert.ok(!(await c.content()).includes('ly.thi.dan@example.vn'), 'never the email');
  await citizen.close();
});

await check('a citizen comments on one article of an open draft; the editor approves and answers it; the report downloads', async () => {
  const { items } = await (await fetch(`${base}/api/v1/public/sites/main/items?kind=consultation`)).json();
  const open = items.find((i) => new Date(i.fields.closes_at) > new Date());
  consultationId = open.id;
  const citizen = await browser.newContext({ viewport: { width: 360, height: 800 } });
  const c = await citizen.newPage();
  await c.goto(`${base}/main/lay-y-kien`);
  await Promise.all([c.waitForLoadState('load'), c.click(`a:has-text("${open.title}")`)]);
  const said = `Đề nghị ghi rõ thời hạn ${Date.now()}`;
  await c.click('#dieu-4 summary');
  await c.fill('#c-dieu-4-name', 'Đinh Văn Góp');
  await c.fill('#c-dieu-4-email', 'dinh.gop@example.vn');
  await c.fill('#c-dieu-4-body', said);
  await Promise.all([c.waitForLoadState('load'), c.click('#dieu-4 button[type=submit]')]);
  assert.ok((await c.textContent('main')).includes('Đã gửi góp ý'));

  const p = editor.page;
  await p.goto(`${base}/admin/items/${consultationId}/comments?status=pending`);
  const li = p.locator('li', { hasText: said });
  await Promise.all([p.waitForLoadState('load'), li.locator('button[value=approve]').click()]);
  assert.ok((await p.textContent('[role=status]')).includes('Đã duyệt'));
  const again = p.locator('li', { hasText: said });
  await again.locator('select[name=disposition]').selectOption('partly');
  await again.locator('textarea[name=reply]').fill('Tiếp thu: ghi rõ 05 ngày làm việc.');
  await Promise.all([p.waitForLoadState('load'), again.locator('button[value=respond]').click()]);
  const csv = await p.request.get(`${base}/admin/items/${consultationId}/report?format=csv`);
  assert.equal(csv.status(), 200);
  const body = await csv.text();
  assert.ok(body.includes(said) && body.includes('Tiếp thu một phần') && body.includes('Điều 4'), body);
  const docx = await p.request.get(`${base}/admin/items/${consultationId}/report?format=docx`);
  assert.equal(docx.status(), 200);
  assert.equal((await docx.body()).subarray(0, 2).toString(), 'PK');

  await c.goto(`${base}/main/lay-y-kien/${open.slug}`);
  // The browser keeps the page it saw a minute ago (max-age=60); a reload asks again.
  await c.reload();
  assert.ok((await c.textContent('#dieu-4')).includes(said), 'approved comments are public under their article');
  assert.ok(!(await c.content()).includes('dinh.gop@example.vn'));
  await citizen.close();
});

/** A DOCX written by hand (a zip of stored entries): what a word processor would send for a
 * decision in the layout of Decree 30, its header as a two-column table. */
const docx = (number) => {
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const p = (s) => `<w:p><w:r><w:t>${esc(s)}</w:t></w:r></w:p>`;
  const cell = (lines) => `<w:tc>${lines.map(p).join('')}</w:tc>`;
  const body = [
    `<w:tbl><w:tr>${cell(['UBND TỈNH LÀO CAI', 'SỞ TÀI CHÍNH', `Số: ${number}`])}${cell(['CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'Độc lập - Tự do - Hạnh phúc', 'Lào Cai, ngày 05 tháng 3 năm 2024'])}</w:tr></w:tbl>`,
    p('QUYẾT ĐỊNH'), p('Về việc phân bổ dự toán ngân sách năm 2024'), p('GIÁM ĐỐC SỞ TÀI CHÍNH'),
    p('Căn cứ Luật Ngân sách nhà nước;'), p('Điều 1. Phân bổ dự toán.'), p('Điều 2. Quyết định này có hiệu lực thi hành kể từ ngày ký.'),
    `<w:tbl><w:tr>${cell(['Nơi nhận:', '- Lưu: VT.'])}${cell(['KT. GIÁM ĐỐC', 'PHÓ GIÁM ĐỐC', 'Hoàng Văn Nam'])}</w:tr></w:tbl>`,
  ].join('');
  const files = [
    ['[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'],
    ['word/document.xml', `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`],
  ];
  const table = new Int32Array(256).map((_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c; });
  const crc = (buf) => { let c = -1; for (const b of buf) c = table[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ -1) >>> 0; };
  const parts = []; const central = []; let offset = 0;
  for (const [name, text] of files) {
    const data = Buffer.from(text, 'utf8'); const n = Buffer.from(name, 'utf8'); const sum = crc(data);
    const local = Buffer.alloc(30); local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt32LE(sum, 14);
    local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(n.length, 26);
    const dir = Buffer.alloc(46); dir.writeUInt32LE(0x02014b50, 0); dir.writeUInt16LE(20, 4); dir.writeUInt16LE(20, 6); dir.writeUInt32LE(sum, 16);
    dir.writeUInt32LE(data.length, 20); dir.writeUInt32LE(data.length, 24); dir.writeUInt16LE(n.length, 28); dir.writeUInt32LE(offset, 42);
    parts.push(local, n, data); central.push(dir, n); offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(central); const end = Buffer.alloc(22); end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8); end.writeUInt16LE(files.length, 10); end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, end]);
};

await check('an author makes a document from its file: the fields read into the form, checked, created as a draft with the file attached', async () => {
  const p = author.page;
  await p.goto(`${base}/admin/sites/main/items`);
  const number = `${Date.now() % 100000}/QĐ-STC`;
  await p.setInputFiles('#from-file', { name: 'qd-du-toan.docx', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', buffer: docx(number) });
  await Promise.all([p.waitForLoadState('load'), p.click('form.from-file button[type=submit]')]);
  assert.equal(await p.inputValue('#f-number'), number);
  assert.equal(await p.inputValue('#f-doc_type'), 'Quyết định');
  assert.equal(await p.inputValue('#f-issuer'), 'SỞ TÀI CHÍNH');
  assert.equal(await p.inputValue('#f-issued_on'), '05/03/2024');
  assert.equal(await p.inputValue('#f-signer'), 'Hoàng Văn Nam');
  assert.match(await p.inputValue('#f-attachments'), /qd-du-toan\.docx \| \/media\/\d+/);
  assert.ok((await p.textContent('[role=status]')).includes('Đã đọc từ tệp'));
  if (shots) await p.screenshot({ path: `${shots}/from-file-1280.png`, fullPage: true });
  // The editor's part: the effect status is not in the file, and is chosen here.
  await p.selectOption('#f-status', 'in_force');
  await Promise.all([p.waitForURL(/\/admin\/items\/\d+/), p.click('button[type=submit].primary')]);
  assert.equal(await state(p), 'draft');
  assert.equal(await p.inputValue('#f-number'), number);
});

await check('a schedule comes due', async () => {
  const a = author.page;
  await a.goto(`${base}/admin/sites/main/items/new?kind=page`);
  await a.fill('#f-title', `Trang hẹn giờ ${Date.now()}`);
  await Promise.all([a.waitForURL(/done=created/), a.click('#item-form button[type=submit]')]);
  const id = itemId(a);
  await act(a, 'submit');
  await editor.page.goto(`${base}/admin/items/${id}`);
  await act(editor.page, 'forward');
  const p = approver.page;
  await p.goto(`${base}/admin/items/${id}`);
  // Six seconds from now, in Vietnam's time, as a person types it.
  const due = new Date(Date.now() + 6000 + 7 * 3600 * 1000);
  const two = (n) => String(n).padStart(2, '0');
  const at = `${two(due.getUTCDate())}/${two(due.getUTCMonth() + 1)}/${due.getUTCFullYear()} ${two(due.getUTCHours())}:${two(due.getUTCMinutes())}:${two(due.getUTCSeconds())}`;
  await p.fill('#at', at);
  await act(p, 'schedule');
  assert.equal(await state(p), 'scheduled');
  let s = 'scheduled';
  for (let i = 0; i < 40 && s !== 'published'; i++) {
    await p.waitForTimeout(500);
    await p.reload();
    s = await state(p);
  }
  assert.equal(s, 'published');
  assert.match(await p.textContent('.history'), /Hệ thống|Đăng bài/);
});

await check('a document with its fields and an attached PDF, uploaded with the form', async () => {
  const a = author.page;
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
  await a.goto(`${base}/admin/sites/main/items/new?kind=document`);
  await a.fill('#f-number', `12/${Date.now() % 100000}/QĐ-UBND`);
  await a.fill('#f-doc_type', 'Quyết định');
  await a.fill('#f-title', 'Về việc ban hành quy chế thử nghiệm');
  await a.fill('#f-issuer', 'UBND tỉnh');
  await a.fill('#f-issued_on', '31/02/2024');
  await a.selectOption('#f-status', 'in_force');
  await Promise.all([a.waitForLoadState('load'), a.click('#item-form button[type=submit]')]);
  assert.match(await a.textContent('#f-issued_on-error'), /ngày\/tháng\/năm/, 'a wrong date is named by its field');
  assert.equal(await a.inputValue('#f-title'), 'Về việc ban hành quy chế thử nghiệm', 'what was typed is kept');
  await a.fill('#f-issued_on', '05/03/2024');
  await a.setInputFiles('#f-attachment_file', { name: 'quyet-dinh-12.pdf', mimeType: 'application/pdf', buffer: pdf });
  await Promise.all([a.waitForURL(/done=created/), a.click('#item-form button[type=submit]')]);
  assert.equal(await a.inputValue('#f-issued_on'), '05/03/2024');
  const attached = await a.inputValue('#f-attachments');
  assert.match(attached, /^quyet-dinh-12\.pdf \| \/media\/\d+$/);
  const ref = attached.split('| ')[1];
  const lib = await a.request.get(`${base}/admin${ref}`);
  assert.equal(lib.status(), 200);
  assert.match(await lib.text(), /Về việc ban hành quy chế thử nghiệm/, 'the library says where the file is used');
});

let libraryFile;
await check('the media library: several files with progress, thumbnails, a title, a cover uploaded on the spot', async () => {
  const a = author.page;
  // Two small pictures, drawn by the browser itself.
  await a.setViewportSize({ width: 1280, height: 900 });
  await a.goto(`${base}/admin/login`);
  const shotA = await a.screenshot({ clip: { x: 0, y: 0, width: 96, height: 64 } });
  const shotB = await a.screenshot({ clip: { x: 100, y: 0, width: 96, height: 64 } });
  await a.goto(`${base}/admin/sites/main/media`);
  await a.setInputFiles('#up-files', [
    { name: 'hoi-nghi-1.png', mimeType: 'image/png', buffer: shotA },
    { name: 'hoi-nghi-2.png', mimeType: 'image/png', buffer: shotB },
  ]);
  await a.fill('#up-title', 'Hội nghị tổng kết');
  await Promise.all([a.waitForURL(/done=upload&n=2/), a.click('form[data-upload] button[type=submit]')]);
  const thumbs = a.locator('.library img');
  assert.ok((await thumbs.count()) >= 2);
  await a.waitForFunction(() => [...document.querySelectorAll('.library img')].slice(0, 2).every((i) => i.complete && i.naturalWidth > 0));
  await a.fill('#m-q', 'hoi nghi');
  await Promise.all([a.waitForLoadState('load'), a.click('.filters button[type=submit]')]);
  assert.ok((await a.locator('.library li').count()) >= 2, 'found without diacritics');
  await Promise.all([a.waitForLoadState('load'), a.click('.library li >> nth=0 >> .what a')]);
  libraryFile = new URL(a.url()).pathname;
  await a.fill('#mf-title', 'Ảnh hội nghị tổng kết năm');
  await Promise.all([a.waitForURL(/done=update/), a.click('button[value=update]')]);
  assert.equal(await a.inputValue('#mf-title'), 'Ảnh hội nghị tổng kết năm');
  // A cover uploaded with the article's form.
  await a.goto(`${base}/admin/sites/main/items/new?kind=article`);
  await a.fill('#f-title', `Bài có ảnh ${Date.now()}`);
  await a.setInputFiles('#f-cover_file', { name: 'anh-bia.png', mimeType: 'image/png', buffer: shotA });
  await Promise.all([a.waitForURL(/done=created/), a.click('#item-form button[type=submit]')]);
  assert.match(await a.inputValue('#f-cover'), /^\/media\/\d+$/);
  await a.waitForFunction(() => { const i = document.querySelector('img.cover-now'); return i && i.complete && i.naturalWidth > 0; });
  assert.ok((await a.locator('#cover-choices option').count()) >= 2, 'the library offers its pictures as covers');
  // A file nobody uses can go.
  await a.goto(base + libraryFile);
  await Promise.all([a.waitForURL(/media\?done=delete/), a.click('button[value=delete]')]);
});

let conflictShown = false;
await check('two tabs edit one item: the second save shows both versions and loses nothing', async () => {
  const one = editor.page;
  // The second tab in a browser that lets the audit's script in, to check the conflict view too.
  const second = await signIn('editor', 1280, true);
  const two = second.page;
  const a = author.page;
  await a.goto(`${base}/admin/sites/main/items/new?kind=page`);
  await a.fill('#f-title', 'Trang hai người cùng sửa');
  await Promise.all([a.waitForURL(/done=created/), a.click('#item-form button[type=submit]')]);
  const id = itemId(a);
  await act(a, 'submit');
  await one.goto(`${base}/admin/items/${id}`);
  await two.goto(`${base}/admin/items/${id}`);
  await one.fill('#f-title', 'Tiêu đề sửa ở thẻ thứ nhất');
  await Promise.all([one.waitForURL(/done=saved/), one.click('#item-form button[type=submit]')]);
  await two.fill('#f-summary', 'Tóm tắt viết ở thẻ thứ hai');
  await Promise.all([two.waitForLoadState('load'), two.click('#item-form button[type=submit]')]);
  assert.equal(await two.locator('.conflict').count(), 1, 'the conflict is shown');
  conflictShown = true;
  assert.match(await two.textContent('.conflict'), /Tiêu đề sửa ở thẻ thứ nhất/);
  assert.equal(await two.inputValue('#f-summary'), 'Tóm tắt viết ở thẻ thứ hai', 'what was typed is kept');
  if (shots) await two.screenshot({ path: `${shots}/conflict-1280.png`, fullPage: true });
  await two.addScriptTag({ content: axe });
  const audit = await two.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  assert.deepEqual(audit.violations.map((v) => v.id), [], 'the conflict view passes axe');
  // Merge by hand: take the first tab's title, keep this tab's summary.
  await two.fill('#f-title', 'Tiêu đề sửa ở thẻ thứ nhất');
  await Promise.all([two.waitForURL(/done=saved/), two.click('#item-form button[type=submit]')]);
  assert.equal(await two.inputValue('#f-title'), 'Tiêu đề sửa ở thẻ thứ nhất');
  assert.equal(await two.inputValue('#f-summary'), 'Tóm tắt viết ở thẻ thứ hai');
  await two.goto(`${base}/admin/items/${id}/compare?a=1&b=3&view=side`);
  assert.ok((await two.locator('ins').count()) > 0, 'the comparison marks what was added');
  await second.context.close();
});

await check('an editor makes a read-only API token for a script, which reads as them until it is deleted', async () => {
  const page = editor.page;
  await page.goto(`${base}/admin/account`);
  await page.fill('#token-name', 'Đồng bộ cổng tỉnh');
  // Reading is enough for a script that copies news: the write box is unticked.
  await page.uncheck('input[name=scope][value=write]');
  await Promise.all([page.waitForLoadState('load'), page.click('button[name=op][value="token.create"]')]);
  const secret = (await page.textContent('#secret')).trim();
  assert.match(secret, /^pt_[A-Za-z0-9_-]{40,}$/, 'the secret is shown once');
  if (shots) await page.screenshot({ path: `${shots}/account-token-1280.png`, fullPage: true });
  const me = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal((await me.json()).username, 'editor', 'the token acts as its owner');
  const write = await fetch(`${base}/api/v1/sites/main/items`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'article', fields: { title: 'Không được ghi' } }),
  });
  assert.equal(write.status, 403, 'a read-only token writes nothing');
  await page.goto(`${base}/admin/account`);
  assert.equal(await page.locator('#secret').count(), 0, 'the secret is not shown again');
  const row = page.locator('tbody tr', { hasText: 'Đồng bộ cổng tỉnh' });
  assert.match(await row.textContent(), /\d{2}\/\d{2}\/\d{4}/, 'when it was made, last used and ends');
  assert.match(await row.textContent(), /Đọc/, 'its scope is shown');
  assert.doesNotMatch(await row.textContent(), /Ghi/, 'and only that');
  await Promise.all([page.waitForURL(/\/admin\/account/), row.locator('button[value="token.delete"]').click()]);
  assert.equal(await page.locator('tbody tr', { hasText: 'Đồng bộ cổng tỉnh' }).count(), 0);
  const after = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(after.status, 401, 'a deleted token is refused at once');
});

// One file of the library, for its screen.
const mediaId = await (async () => {
  const page = author.page;
  await page.goto(`${base}/admin/sites/main/media`);
  const href = await page.getAttribute('.library li .what a', 'href');
  return href ? href.split('/').pop() : 0;
})();

// Every screen, at a desktop and a phone width, through axe-core.
const screens = [
  ['login', null, '/admin/login'],
  ['desk', 'approver', '/admin/'],
  ['desk-filtered', 'approver', '/admin/?site=so tai chinh'],
  ['items', 'editor', '/admin/sites/main/items'],
  ['items-filtered', 'editor', '/admin/sites/main/items?kind=article&state=published&q=ubnd'],
  ['items-bad-filter', 'editor', '/admin/sites/main/items?owner=khong-co-ai'],
  ['new-article', 'author', '/admin/sites/main/items/new?kind=article'],
  ['new-document', 'author', '/admin/sites/main/items/new?kind=document'],
  ['new-procedure', 'author', '/admin/sites/main/items/new?kind=procedure'],
  ['item', 'editor', () => `/admin/items/${articleId}`],
  ['item-approver', 'approver', () => `/admin/items/${articleId}`],
  ['revisions', 'editor', () => `/admin/items/${articleId}/revisions`],
  ['compare', 'editor', () => `/admin/items/${articleId}/compare`],
  ['compare-side', 'editor', () => `/admin/items/${articleId}/compare?view=side`],
  ['not-found', 'editor', '/admin/items/999999999'],
  ['account', 'author', '/admin/account'],
  ['media', 'author', '/admin/sites/main/media'],
  ['media-file', 'author', () => `/admin/media/${mediaId}`],
  ['users', 'admin', '/admin/users'],
  ['network', 'admin', '/admin/network'],
  ['audit', 'admin', '/admin/audit'],
  ['settings', 'admin', '/admin/sites/main/settings'],
  ['settings-readonly', 'editor', '/admin/sites/main/settings'],
  ['questions', 'editor', '/admin/sites/main/questions'],
  ['questions-all', 'editor', '/admin/sites/main/questions?status=all'],
  ['question', 'author', () => `/admin/questions/${questionId}`],
  ['comments', 'editor', () => `/admin/items/${consultationId}/comments`],
  ['new-consultation', 'author', '/admin/sites/main/items/new?kind=consultation'],
];
for (const width of [1280, 360]) {
  const sessions = {
    author: await signIn('author', width, true),
    editor: await signIn('editor', width, true),
    approver: await signIn('approver', width, true),
    admin: await signIn('admin', width, true),
  };
  const anon = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true });
  for (const [name, who, path] of screens) {
    await check(`axe: ${name} @${width}px`, async () => {
      const page = who ? sessions[who].page : await anon.newPage();
      await page.goto(base + (typeof path === 'function' ? path() : path));
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
      if (shots) await page.screenshot({ path: `${shots}/${name}-${width}.png`, fullPage: width > 400 });
      await page.addScriptTag({ content: axe });
      const result = await page.evaluate(() =>
        // eslint-disable-next-line no-undef
        axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
      );
      const found = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(', ')})`);
      assert.deepEqual(found, []);
    });
  }
  for (const s of Object.values(sessions)) await s.context.close();
  await anon.close();
}

await check('a network admin creates a user, grants a role, and disabling shuts them out at once', async () => {
  const admin = await signIn('admin');
  const p = admin.page;
  const name = `bientap${Date.now() % 100000}`;
  await p.goto(base + '/admin/users');
  await p.fill('#nu-username', name);
  await p.fill('#nu-display', 'Biên tập viên thử');
  await p.fill('#nu-password', 'password123');
  await Promise.all([p.waitForLoadState('load'), p.click('button[value="user.create"]')]);
  assert.match(await p.textContent('.alert'), /common|phổ biến/, 'a common password is refused');
  await p.fill('#nu-username', name);
  await p.fill('#nu-password', 'Sông Hồng chảy qua Lào Cai');
  await Promise.all([p.waitForURL(/done=user.create/), p.click('button[value="user.create"]')]);
  await p.goto(base + '/admin/sites/main/settings');
  await p.fill('#g-user', name);
  await p.selectOption('#g-role', 'editor');
  await Promise.all([p.waitForURL(/done=role.grant/), p.click('button[value="role.grant"]')]);
  assert.match(await p.textContent('#roles-h + ul'), new RegExp(name));
  // The new editor signs in; the admin disables them; their next click is the sign-in page.
  const context = await browser.newContext();
  const e = await context.newPage();
  await e.goto(base + '/admin/login');
  await e.fill('input[name=username]', name);
  await e.fill('input[name=password]', 'Sông Hồng chảy qua Lào Cai');
  await Promise.all([e.waitForURL(base + '/admin/'), e.click('button[type=submit]')]);
  await p.goto(base + '/admin/users');
  const row = p.locator('tr', { hasText: name });
  await Promise.all([p.waitForURL(/done=user.disable/), row.locator('button[value="user.disable"]').click()]);
  await e.goto(base + '/admin/sites/main/items');
  assert.match(e.url(), /\/admin\/login/);
  await context.close();
  // A channel, made and renamed by the site's admin.
  await p.goto(base + '/admin/sites/main/settings');
  await p.fill('#nc-name', 'Chuyển đổi số');
  await Promise.all([p.waitForURL(/done=channel.create/), p.click('button[value="channel.create"]')]);
  assert.match(await p.textContent('#ch-h + .scroll'), /Chuyển đổi số/);
  // The audit log says what just happened, and the download holds it too.
  await p.goto(base + '/admin/audit');
  await p.selectOption('#a-action', 'user.');
  await Promise.all([p.waitForURL(/action=user\./), p.click('form[role=search] button[type=submit]')]);
  const log = await p.textContent('table.audit');
  assert.match(log, new RegExp(`user.disable[\\s\\S]*'${name}'`), 'the disabling is in the log');
  assert.match(log, new RegExp(`user.create[\\s\\S]*'${name}'`), 'the creation is in the log');
  assert.doesNotMatch(log, /channel\.create/, 'the filter holds');
  const csv = await p.evaluate(async () => (await fetch(document.querySelector('a[download]').href)).text());
  assert.match(csv, /^id,at,user,site,item_id,action/);
  assert.match(csv, new RegExp(`created user '${name}'`));
  await admin.context.close();
});

await check('with JavaScript off, an author signs in, writes, saves and submits', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(base + '/admin/sites/main/items/new?kind=page');
  assert.match(page.url(), /\/admin\/login/);
  await page.fill('input[name=username]', 'author');
  await page.fill('input[name=password]', 'demo');
  await Promise.all([page.waitForURL(/items\/new\?kind=page/), page.click('button[type=submit]')]);
  await page.fill('#f-title', `Trang viết khi tắt JavaScript ${Date.now()}`);
  await Promise.all([page.waitForURL(/done=created/), page.click('#item-form button[type=submit][name=save]')]);
  await Promise.all([page.waitForURL(/done=submit/), page.click('button[name=action][value=submit]')]);
  assert.equal(await page.getAttribute('[data-state]', 'data-state'), 'in_review');
  await page.goto(base + '/admin/?site=so%20tai%20chinh');
  assert.ok((await page.locator('#site-table tbody tr').count()) >= 1, 'the portal switcher filters without script');
  await context.close();
});

await check('signing out ends the session', async () => {
  const a = author.page;
  await a.goto(base + '/admin/');
  await Promise.all([a.waitForURL(/\/admin\/login/), a.click('.signout button')]);
  await a.goto(base + '/admin/');
  assert.match(a.url(), /\/admin\/login/);
});

await browser.close();
console.log(`admin: ${tally.run} browser checks, ${tally.failed} failed${conflictShown ? '' : ' (the conflict view was not reached)'}`);
process.exit(tally.failed === 0 ? 0 : 1);
