from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "display_name", "imported_from", "is_staff", "date_joined"]
    list_filter = ["imported_from", "is_staff", "is_active"]
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Profile", {"fields": ["display_name", "bio", "imported_from", "external_id"]}),
    )
