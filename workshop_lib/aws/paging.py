"""Paginated list calls at the largest page size each API allows: fewer pages, fewer calls."""

from __future__ import annotations

from typing import Any, Optional

# The largest page each list call allows (botocore 1.44 service models).
MAX_PAGE = {
    ("identitystore", "list_users"): 100,
    ("identitystore", "list_group_memberships"): 100,
    ("sso-admin", "list_instances"): 100,
    ("sso-admin", "list_applications"): 100,
    ("sso-admin", "list_application_assignments"): 100,
    ("connect", "list_users"): 1000,
    ("connect", "list_security_profiles"): 1000,
    ("connect", "list_routing_profiles"): 1000,
    ("iam", "get_account_authorization_details"): 1000,
    ("iam", "list_attached_role_policies"): 1000,
    ("iam", "list_role_policies"): 1000,
}


def page_config(service: str, operation: str, page_size: Optional[int] = None) -> dict:
    """boto3's PaginationConfig for the largest page, or ``page_size`` when smaller (tests, benchmarks)."""
    size = MAX_PAGE.get((service, operation))
    if page_size:
        size = min(page_size, size) if size else page_size
    return {"PageSize": size} if size else {}


def paginate(client: Any, operation: str, key: str, page_size: Optional[int] = None, **kwargs: Any) -> list[dict]:
    """Every item of a paginated list call, through boto3's own paginator."""
    config = page_config(client.meta.service_model.service_name, operation, page_size)
    items: list[dict] = []
    for page in client.get_paginator(operation).paginate(**kwargs, PaginationConfig=config):
        items.extend(page.get(key, []) or [])
    return items
