"""A small API client for tests: a bearer token per user, JSON in and out."""

from __future__ import annotations

import json

from django.test import Client

from changhu.api.auth import issue_token


class ApiClient:
    def __init__(self, user=None):
        self.client = Client(REMOTE_ADDR="10.1.2.3")
        self.headers = {}
        if user is not None:
            key, _ = issue_token(user, name="test")
            self.headers = {"Authorization": f"Bearer {key}"}

    def _call(self, method, path, payload=None, **params):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        kwargs = {"headers": self.headers}
        if payload is not None:
            kwargs.update(data=json.dumps(payload), content_type="application/json")
        elif params:
            kwargs["data"] = params
        response = getattr(self.client, method)(url, **kwargs)
        response.body = response.json() if response.content else None
        return response

    def get(self, path, **params):
        return self._call("get", path, **params)

    def post(self, path, payload=None):
        return self._call("post", path, payload if payload is not None else {})

    def put(self, path, payload):
        return self._call("put", path, payload)


def assert_api_error(response, status: int, code: str) -> None:
    """An error answer of the API: its status, the error shape, the code and a Chinese message."""
    assert response.status_code == status, response.body
    assert set(response.body) == {"code", "message", "fields"}
    assert response.body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.body["message"])
