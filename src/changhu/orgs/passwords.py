"""Password rules beyond Django's: letters and digits together."""

from django.core.exceptions import ValidationError


class CharacterClassValidator:
    def validate(self, password: str, user=None) -> None:
        has_letter = any(c.isalpha() for c in password)
        has_digit = any(c.isdigit() for c in password)
        if not (has_letter and has_digit):
            raise ValidationError("密码须同时包含字母和数字", code="password_classes")

    def get_help_text(self) -> str:
        return "密码须同时包含字母和数字。"
