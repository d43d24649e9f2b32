"""Role checks for views: anonymous visitors go to login, the wrong role gets 403."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from quiz.accounts.roles import Role
from quiz.extensions import login_manager


def role_required(*roles: Role | str):
    """Allow the view to users holding any of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
