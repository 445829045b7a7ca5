"""The published LAPOR! statuses (docs/domain.md). The diagram names them on its tasks and end events."""
from __future__ import annotations

BELUM_DIPROSES = "belum_diproses"
DIDISPOSISI = "didisposisi"          # diverifikasi & didisposisi
DALAM_PROSES = "dalam_proses"
DIPENDING = "dipending"
DISELESAIKAN = "diselesaikan"
DIARSIPKAN = "diarsipkan"            # dihapus / diarsipkan

ALL = (BELUM_DIPROSES, DIDISPOSISI, DALAM_PROSES, DIPENDING, DISELESAIKAN, DIARSIPKAN)

COMPLAINT_TYPES = ("pengaduan", "aspirasi", "permintaan_informasi")
