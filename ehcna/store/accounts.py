"""People and programs that may use the service: accounts and API tokens.

Passwords are kept as argon2 hashes, tokens as SHA-256 digests (a token is
long and random, so a fast digest is enough and lets a token be looked up).
"""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ehcna.store.models import Base


class AccountRow(Base):
    __tablename__ = "accounts"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # domain.commands.Role
    team: Mapped[str | None] = mapped_column(String(64))  # a provider's team, an officer's team
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # carried by the session cookie and checked on every request: signing out (or deactivating)
    # moves it on, so a copied cookie stops working at once
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), ForeignKey("accounts.username", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def token_id(self) -> str:
        """How a person names the token (listing, revoking): the start of its digest, never the token."""
        return self.token_digest[:12]


class SignInAttemptRow(Base):
    """Each sign-in and each bad API token, for throttling and lockout (the audit trail keeps the story)."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_username_at", "username", "at"),
        Index("ix_sign_in_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    succeeded: Mapped[bool] = mapped_column(Boolean)
