from django.contrib import admin

from forum.models import Board, Post, Topic

admin.site.register(Board, list_display=("name", "neighborhood", "position"))
admin.site.register(Topic, list_display=("title", "board", "author", "created_at"))
admin.site.register(Post, list_display=("__str__", "topic", "author", "created_at"))
