from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import (
    Building,
    District,
    Household,
    Neighborhood,
    Residency,
    Resident,
    RoleGrant,
    Subdistrict,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (None, {"fields": ("display_name",)}))
    list_display = ("username", "display_name", "is_staff", "is_active")


admin.site.register(District)
admin.site.register(Subdistrict, list_display=("name", "district"))
admin.site.register(Neighborhood, list_display=("name", "subdistrict"))
admin.site.register(Building, list_display=("name", "neighborhood", "floors"))


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("__str__", "building", "floor_area", "tenure")
    list_filter = ("tenure",)
    list_select_related = ("building__neighborhood",)
    raw_id_fields = ("building",)


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    # The admin shows only the mask; reveals go through the audited ledger service.
    list_display = ("__str__", "household", "id_number_masked", "birth_date")
    readonly_fields = ("id_number_masked",)
    exclude = ("phone",)
    list_select_related = ("household__building",)
    raw_id_fields = ("household",)


admin.site.register(Residency, raw_id_fields=("user", "household", "resident"))
admin.site.register(RoleGrant, raw_id_fields=("user",), list_display=("__str__", "role"))
