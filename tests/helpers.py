"""Small HTTP helpers for the API tests (they talk to the app only through its JSON API)."""
from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD


class Api:
    def __init__(self, client, world):
        self.client = client
        self.world = world
        self._tokens: dict[str, str] = {}

    def auth(self, username: str) -> dict[str, str]:
        if username not in self._tokens:
            r = self.client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.json
            self._tokens[username] = r.json["token"]
        return {"Authorization": f"Bearer {self._tokens[username]}"}

    def submit(self, **overrides: Any) -> dict[str, Any]:
        body = {"type": "pengaduan", "category": "infrastruktur", "title": "Jalan rusak",
                "description": "Jalan di depan pasar rusak parah sejak bulan lalu.",
                "region_id": self.world.regency, "instansi_id": self.world.inst_a,
                "reporter_name": "Siti", "reporter_email": "siti@example.id", **overrides}
        r = self.client.post("/api/complaints", json=body)
        assert r.status_code == 201, r.json
        return r.json

    def tasks(self, username: str, **query: Any) -> list[dict[str, Any]]:
        r = self.client.get("/api/tasks", query_string=query, headers=self.auth(username))
        assert r.status_code == 200, r.json
        return r.json

    def task_for(self, username: str, tracking_id: str, name: str | None = None) -> dict[str, Any]:
        found = [t for t in self.tasks(username) if t["tracking_id"] == tracking_id
                 and (name is None or t["name"] == name)]
        assert len(found) == 1, f"{username} sees {found} for {tracking_id}"
        return found[0]

    def complete(self, username: str, task_id: int, data: dict[str, Any]):
        return self.client.post(f"/api/tasks/{task_id}/complete", json={"data": data}, headers=self.auth(username))

    def claim(self, username: str, task_id: int):
        return self.client.post(f"/api/tasks/{task_id}/claim", headers=self.auth(username))

    def track(self, tracking_id: str, token: str | None = None):
        return self.client.get(f"/api/complaints/{tracking_id}", query_string={"token": token} if token else {})

    def reply(self, tracking_id: str, token: str, data: dict[str, Any]):
        return self.client.post(f"/api/complaints/{tracking_id}/reply", json={"token": token, "data": data})

    def detail(self, username: str, complaint_id: int):
        return self.client.get(f"/api/officer/complaints/{complaint_id}", headers=self.auth(username))
