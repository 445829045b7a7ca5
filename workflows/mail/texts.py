"""What the messages say, in the recipient's language (Indonesian unless they chose English).

The domain writes these texts itself: the worker that delivers them runs without the web app, and a
message must read the same whichever page caused it. Placeholders are ``str.format`` fields.
"""
from __future__ import annotations

from typing import Any

LANGUAGES = ("id", "en")
SIGNATURE = {"id": "\n\n-- \nAduan, penanganan pengaduan pelayanan publik (SP4N-LAPOR!)\n",
             "en": "\n\n-- \nAduan, public-service complaint handling (SP4N-LAPOR!)\n"}

TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "id": {
        "submitted": ("Laporan {tracking_id} diterima",
                      "Terima kasih, laporan Anda \"{title}\" telah diterima.\n\n"
                      "Nomor pelacakan: {tracking_id}\nKode rahasia untuk menjawab petugas: {code}\n\n"
                      "Simpan kode ini: hanya dengan kode ini Anda dapat menjawab pertanyaan petugas dan menilai "
                      "tindak lanjut. Ikuti laporan Anda di {link}\n"
                      "Instansi wajib memverifikasi laporan paling lambat {due}."),
        "new_code": ("Kode rahasia baru untuk laporan {tracking_id}",
                     "Kode rahasia baru untuk laporan {tracking_id}: {code}\n\n"
                     "Kode lama tidak berlaku lagi setelah kode baru dipakai. Ikuti laporan Anda di {link}"),
        "question": ("Petugas meminta informasi tambahan ({tracking_id})",
                     "Petugas yang menangani laporan {tracking_id} \"{title}\" meminta informasi tambahan:\n\n"
                     "{text}\n\nJawab dengan kode rahasia Anda di {link}"),
        "followed_up": ("Laporan {tracking_id} telah ditindaklanjuti",
                        "Instansi telah menindaklanjuti laporan {tracking_id} \"{title}\":\n\n{text}\n\n"
                        "Apakah Anda puas? Beri penilaian atau minta laporan dibuka kembali di {link} "
                        "(dengan kode rahasia Anda) paling lambat {due}."),
        "closed": ("Laporan {tracking_id} selesai",
                   "Laporan {tracking_id} \"{title}\" telah selesai. Terima kasih atas penilaian Anda.\n\n{link}"),
        "auto_closed": ("Laporan {tracking_id} ditutup otomatis",
                        "Laporan {tracking_id} \"{title}\" ditutup karena tidak ada tanggapan dalam batas waktu "
                        "setelah tindak lanjut.\n\n{link}"),
        "archived": ("Laporan {tracking_id} diarsipkan",
                     "Laporan {tracking_id} \"{title}\" diarsipkan oleh petugas. Alasan:\n\n{text}\n\n{link}"),
        "reminder": ("Pengingat: {task} ({tracking_id}) jatuh tempo {due}",
                     "Tugas {task} untuk laporan {tracking_id} jatuh tempo {due}.\n\n{link}"),
        "breach": ("Batas waktu terlewati: {task} ({tracking_id})",
                   "Batas waktu tugas {task} untuk laporan {tracking_id} telah terlewati.\n\n{link}"),
        "escalation": ("Eskalasi: {task} ({tracking_id})",
                       "Tugas {task} untuk laporan {tracking_id} terlambat dan dieskalasikan kepada Anda.\n\n{link}"),
        "delegated": ("Tugas didelegasikan kepada Anda: {task} ({tracking_id})",
                      "{by} mendelegasikan tugas {task} untuk laporan {tracking_id} kepada Anda.\n\n{link}"),
        "handover": ("Pekerjaan diserahkan kepada Anda",
                     "{count} tugas terbuka milik {who} diserahkan kepada Anda.\n\n{link}"),
        "answered": ("Pelapor menjawab ({tracking_id})",
                     "Pelapor menjawab pertanyaan petugas untuk laporan {tracking_id}:\n\n{text}\n\n{link}"),
        "reopened": ("Laporan dibuka kembali ({tracking_id})",
                     "Pelapor tidak puas dengan tindak lanjut laporan {tracking_id}:\n\n{text}\n\n{link}"),
    },
    "en": {
        "submitted": ("Report {tracking_id} received",
                      "Thank you, your report \"{title}\" was received.\n\n"
                      "Tracking ID: {tracking_id}\nSecret code to answer the officers: {code}\n\n"
                      "Keep this code: only with it can you answer the officers' questions and rate the follow-up. "
                      "Follow your report at {link}\nThe agency must verify the report by {due}."),
        "new_code": ("A new secret code for report {tracking_id}",
                     "The new secret code for report {tracking_id}: {code}\n\n"
                     "The old code stops working once the new one is used. Follow your report at {link}"),
        "question": ("The officers ask for more information ({tracking_id})",
                     "The officer handling report {tracking_id} \"{title}\" asks for more information:\n\n"
                     "{text}\n\nAnswer with your secret code at {link}"),
        "followed_up": ("Report {tracking_id} was followed up",
                        "The agency followed up report {tracking_id} \"{title}\":\n\n{text}\n\n"
                        "Are you satisfied? Rate it or have it reopened at {link} (with your secret code) "
                        "by {due}."),
        "closed": ("Report {tracking_id} closed",
                   "Report {tracking_id} \"{title}\" is closed. Thank you for your rating.\n\n{link}"),
        "auto_closed": ("Report {tracking_id} closed automatically",
                        "Report {tracking_id} \"{title}\" was closed because no answer came within the time "
                        "limit after the follow-up.\n\n{link}"),
        "archived": ("Report {tracking_id} archived",
                     "Report {tracking_id} \"{title}\" was archived by the officer. Reason:\n\n{text}\n\n{link}"),
        "reminder": ("Reminder: {task} ({tracking_id}) falls due {due}",
                     "The task {task} for report {tracking_id} falls due {due}.\n\n{link}"),
        "breach": ("Time limit missed: {task} ({tracking_id})",
                   "The time limit of the task {task} for report {tracking_id} was missed.\n\n{link}"),
        "escalation": ("Escalation: {task} ({tracking_id})",
                       "The task {task} for report {tracking_id} is late and was escalated to you.\n\n{link}"),
        "delegated": ("A task was delegated to you: {task} ({tracking_id})",
                      "{by} delegated the task {task} for report {tracking_id} to you.\n\n{link}"),
        "handover": ("Work handed over to you",
                     "{count} open tasks of {who} were handed over to you.\n\n{link}"),
        "answered": ("The reporter answered ({tracking_id})",
                     "The reporter answered the officers' question on report {tracking_id}:\n\n{text}\n\n{link}"),
        "reopened": ("Report reopened ({tracking_id})",
                     "The reporter is not satisfied with the follow-up of report {tracking_id}:\n\n{text}\n\n{link}"),
    },
}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "-"


def render(kind: str, language: str | None, values: dict[str, Any]) -> tuple[str, str]:
    """Subject and body of a message of ``kind`` in ``language`` (Indonesian when unknown)."""
    lang = language if language in LANGUAGES else "id"
    subject, body = TEXTS[lang][kind]
    fields = _Blank({k: ("-" if v is None or v == "" else v) for k, v in values.items()})
    return subject.format_map(fields)[:300], body.format_map(fields) + SIGNATURE[lang]
