-- The text read from library files (PDF, DOCX, scans), by checksum: read once however many
-- rows share the bytes, and indexed with the documents that attach the file. Derived data:
-- dropping a row only means reading the file again.
CREATE TABLE file_texts (
    checksum  TEXT PRIMARY KEY,
    text      TEXT NOT NULL,
    pages     BIGINT NOT NULL,
    ocr_pages BIGINT NOT NULL,
    warnings  TEXT NOT NULL,
    read_at   BIGINT NOT NULL
);
