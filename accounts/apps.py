from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts import schema  # noqa: F401  (registers the OpenAPI auth extension)
        from accounts.models import User
        from accounts.usercache import user_saved_or_deleted

        # Cache infrastructure, not business logic: any saved or deleted User leaves the shared
        # cache of request users (accounts/usercache.py), whoever wrote it (the admin included).
        post_save.connect(user_saved_or_deleted, sender=User, dispatch_uid="accounts.usercache.save")
        post_delete.connect(user_saved_or_deleted, sender=User, dispatch_uid="accounts.usercache.delete")
