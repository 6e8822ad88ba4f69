"""Password rules beyond Django's: letters and digits together; not one of the last few."""

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError


class CharacterClassValidator:
    def validate(self, password: str, user=None) -> None:
        has_letter = any(c.isalpha() for c in password)
        has_digit = any(c.isdigit() for c in password)
        if not (has_letter and has_digit):
            raise ValidationError("密码须同时包含字母和数字", code="password_classes")

    def get_help_text(self) -> str:
        return "密码须同时包含字母和数字。"


class HistoryValidator:
    """A new password may not repeat the login's last ``CHANGHU_PASSWORD_HISTORY`` passwords
    (the current one included)."""

    def validate(self, password: str, user=None) -> None:
        keep = settings.PASSWORD_HISTORY
        if user is None or user.pk is None or keep <= 0:
            return
        from changhu.orgs.models import PasswordHistory

        recent = PasswordHistory.objects.filter(user=user).values_list("password", flat=True)
        if any(check_password(password, encoded) for encoded in recent[:keep]):
            raise ValidationError(
                f"新密码不能与最近{keep}次使用过的密码相同", code="password_reused"
            )

    def get_help_text(self) -> str:
        keep = settings.PASSWORD_HISTORY
        return f"不能与最近{keep}次使用过的密码相同。" if keep > 0 else ""
