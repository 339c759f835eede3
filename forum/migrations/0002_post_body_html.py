from django.db import migrations, models


def render_existing(apps, schema_editor):
    from core.rich import render

    Post = apps.get_model("forum", "Post")
    for post in Post.objects.filter(body_html="").iterator(chunk_size=500):
        post.body_html = render(post.body)
        post.save(update_fields=["body_html"])


class Migration(migrations.Migration):
    dependencies = [("forum", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="post",
            name="body_html",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(render_existing, migrations.RunPython.noop),
    ]
