"""Officer roles and the scope each one works in."""
from __future__ import annotations

ADMIN_NASIONAL = "admin_nasional"
ADMIN_KOORDINATOR = "admin_koordinator"
ADMIN_INSTANSI = "admin_instansi"
PEJABAT_PENGHUBUNG = "pejabat_penghubung"
PELAPOR = "pelapor"  # the citizen: answers with the reporter token, never logs in

OFFICER_ROLES = (ADMIN_NASIONAL, ADMIN_KOORDINATOR, ADMIN_INSTANSI, PEJABAT_PENGHUBUNG)
ADMIN_TIER = (ADMIN_NASIONAL, ADMIN_KOORDINATOR, ADMIN_INSTANSI)

# When a user task names no candidate group, its lane decides.
LANE_ROLES = {
    "Pelapor": PELAPOR,
    "Admin Instansi": ADMIN_INSTANSI,
    "Unit / Pejabat Penghubung": PEJABAT_PENGHUBUNG,
    "Admin Koordinator": ADMIN_KOORDINATOR,
    "Admin Nasional": ADMIN_NASIONAL,
}


def task_role(candidate_groups: tuple[str, ...], lane: str | None) -> str | None:
    if candidate_groups:
        return candidate_groups[0]
    return LANE_ROLES.get(lane or "")
