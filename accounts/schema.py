"""OpenAPI extensions for the accounts app's authentication classes (registered on import, from
`AccountsConfig.ready`)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class BookworkJWTScheme(SimpleJWTScheme):
    """Our JWTAuthentication (SimpleJWT plus the `ver` check) is documented as SimpleJWT's Bearer JWT."""

    target_class = "accounts.authentication.JWTAuthentication"
    name = "jwtAuth"
