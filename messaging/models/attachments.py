"""Files sent with email: their bytes stored once, however many messages carry them."""

from __future__ import annotations

from django.db import models


class Attachment(models.Model):
    """One file. A message names it by id in ``options["attachments"]``, so a bulk send to 10,000
    people stores its PDF once; delivery reads the bytes (transports never touch the database)."""

    filename = models.CharField(max_length=255)  # SES's FileName limit
    content_type = models.CharField(max_length=78, default="application/octet-stream")  # SES's ContentType limit
    size = models.PositiveIntegerField(help_text="Bytes, before any encoding.")
    sha256 = models.CharField(max_length=64, db_index=True, help_text="The same file uploaded twice is kept once.")
    content = models.BinaryField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename
