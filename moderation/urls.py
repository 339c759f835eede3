urlpatterns: list[object] = []  # filled by the rooms issue
