"""Complaint categories offered by the report form. The API accepts any short category text (other
channels bring their own), the form offers this list."""
from __future__ import annotations

CATEGORIES = (
    "infrastruktur",
    "kesehatan",
    "pendidikan",
    "kependudukan",
    "lingkungan",
    "transportasi",
    "sosial",
    "ketertiban",
    "perizinan",
    "lainnya",
)
