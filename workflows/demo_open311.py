"""Demo: the road category asks what is damaged (its Open311 attributes), and a few reports arrive through
Open311 from the demo's integrating systems (their channels show in the timeline and in monev)."""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from .apikeys.keys import scope_of
from .apikeys.models import ApiKey
from .complaints import categories
from .db import transaction
from .open311 import service as open311
from .service import Aduan

REPORTS = [  # channel, jurisdiction, service, description, place, attributes, name
    ("sms1708", "pemkot-bandung", "infrastruktur",
     "Jalan berlubang dalam di Jl. Cihampelas dekat halte, sudah dua motor jatuh minggu ini.",
     {"lat": -6.8935, "long": 107.6046}, {"jenis_kerusakan": ["lubang"], "luas": ["6"]}, ("Dedi", "Kurniawan")),
    ("sms1708", "pemkab-bogor", "kependudukan",
     "Pengurusan KTP elektronik di Disdukcapil sudah tiga bulan belum selesai tanpa kabar.",
     {"address_string": "Disdukcapil Kabupaten Bogor, Cibinong"}, {}, (None, None)),
    ("jabar-app", "pemkot-bandung", "infrastruktur",
     "Lampu jalan di Jl. Dago atas mati sepanjang 200 meter, rawan kejahatan malam hari.",
     {"lat": -6.8702, "long": 107.6167}, {"jenis_kerusakan": ["lampu"]}, ("Rina", "Marlina")),
]


def seed(services: Aduan) -> Iterator[str]:
    now = services.clock()
    with transaction(services.sessions) as db:
        for code, datatype, required, text_id, text_en, values in (
                ("jenis_kerusakan", "singlevaluelist", True, "Jenis kerusakan", "Kind of damage",
                 "lubang = Jalan berlubang = Pothole\nretak = Jalan retak = Cracked road\n"
                 "lampu = Lampu jalan mati = Street light out\nsaluran = Saluran air tersumbat = Blocked drain"),
                ("luas", "number", False, "Perkiraan luas kerusakan (m²)", "Estimated damaged area (m²)", "")):
            categories.add_attribute(db, "infrastruktur", attribute_code=code, datatype=datatype, required=required,
                                     description_id=text_id, description_en=text_en, values=values, user=None,
                                     now=now)
    filed = 0
    for channel, place, service_code, description, where, attributes, (first, last) in REPORTS:
        with transaction(services.sessions) as db:
            key = db.scalars(select(ApiKey).where(ApiKey.channel == channel, ApiKey.revoked_at.is_(None))).first()
            if key is None:
                continue
            open311.file(db, services.complaints, scope_of(key), open311.jurisdiction(db, place), open311.Filing(
                service_code=service_code, description=description, lat=where.get("lat"), long=where.get("long"),
                address_string=where.get("address_string"), first_name=first, last_name=last,
                attributes=attributes, account_id=f"demo-{filed + 1}"), now)
            filed += 1
    yield f"road reports ask what is damaged (Open311 attributes); {filed} reports filed through Open311"
