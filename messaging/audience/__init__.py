"""Who the portal talks to, in bulk: contacts and the allow-list from CSV, personal messages
(placeholders), number types, WhatsApp in, and files dropped in S3."""
