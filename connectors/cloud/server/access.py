"""Who may see what, beyond the company boundary every query already enforces."""

from __future__ import annotations

from connectors.cloud.server.accounts import Role
from connectors.cloud.server.models import Order
from connectors.cloud.server.sessions import Viewer


def can_view_order(viewer: Viewer, order: Order) -> bool:
    """Admins and phone clerks see the company's orders; sellers their customers' orders and
    the ones they placed; customers their own."""
    if order.company_id != viewer.company_id:
        return False
    if viewer.role in (Role.ADMIN.value, Role.PREVENTA.value):
        return True
    if viewer.role == Role.VENDEDOR.value:
        return order.placed_by_user_id == viewer.user_id or (
            viewer.seller_code is not None and order.seller_code == viewer.seller_code
        )
    if viewer.role == Role.CLIENTE.value:
        return viewer.customer_code is not None and order.customer_code == viewer.customer_code
    return False
