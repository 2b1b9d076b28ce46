"""One typed settings object, read from ``ANJU_*`` environment variables.

Every field has a safe default and a description; ``docs/settings.md`` lists them all and a test
checks that the two agree. Nothing reads the environment at import time: call :func:`load_settings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANJU_", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        "development", description="Deployment environment; production refuses insecure defaults."
    )
    data_dir: Path = Field(Path("data"), description="Folder for the embedded database, uploads and exports.")
    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the database. Empty means a SQLite file `anju.db` under data_dir.",
    )
    city_code: str = Field("320100", description="GB/T 2260 code of the city this instance serves.")
    timezone: str = Field("Asia/Shanghai", description="Time zone used to display times and dates.")
    page_size_default: int = Field(50, ge=1, le=1000, description="Default page size of list endpoints.")
    page_size_max: int = Field(500, ge=1, le=10000, description="Largest page size a client may ask for.")
    map_tile_cache_mb: int = Field(
        64, ge=0, le=65536, description="Memory for the in-process cache of encoded map tiles, in MiB; 0 turns it off."
    )
    upload_max_bytes: int = Field(
        50 * 1024 * 1024, ge=1024, description="Largest register file accepted for import, in bytes."
    )
    job_result_days: int = Field(
        7,
        ge=1,
        le=3650,
        description="Days the files background jobs lead to (reports, evaluations) and their progress files are kept.",
    )
    import_batch_rows: int = Field(
        20_000, ge=100, le=100_000, description="Rows per bulk-insert batch during import and synthesis."
    )
    exchange_feed_chunk: int = Field(
        5_000,
        ge=1,
        le=50_000,
        description="Records of a feed batch checked and handed to the owning context's handler at once.",
    )
    exchange_feed_workers: int = Field(
        1,
        ge=0,
        le=1,
        description="Worker processes checking and hashing a large feed batch's records while the loading process "
        "writes (0: all in the loading process).",
    )
    exchange_feed_worker_from: int = Field(
        50_000,
        ge=0,
        description="Records of a feed batch after which its worker process starts (smaller batches need none).",
    )
    exchange_replay_max: int = Field(
        50_000, ge=1, description="Most dead letters one replay takes (a batch's bulk replay takes them in order)."
    )
    import_xlsx_max_rows: int = Field(
        1_000_000, ge=1, le=1_048_576, description="Most rows an imported .xlsx sheet may have (declared or read)."
    )
    import_xlsx_max_columns: int = Field(
        256, ge=1, le=16_384, description="Most columns an imported .xlsx sheet may have (declared or read)."
    )
    import_xlsx_max_cells: int = Field(
        10_000_000, ge=1, description="Most cells (rows × columns) an imported .xlsx sheet may have."
    )
    import_xlsx_max_unzipped_bytes: int = Field(
        256 * 1024 * 1024, ge=1024, description="Most bytes the members of an imported .xlsx file may inflate to."
    )
    import_xlsx_max_ratio: int = Field(
        100, ge=2, description="Highest compression ratio of a member (over 1 MiB) of an imported .xlsx file."
    )
    # --- address linkage ------------------------------------------------------------------------
    address_link_threshold: float = Field(
        0.99, gt=0, lt=1, description="Match probability at or above which a record is linked without review."
    )
    address_review_threshold: float = Field(
        0.5, gt=0, lt=1, description="Match probability at or above which an unclear record goes to clerical review."
    )
    address_link_margin: float = Field(
        4.0, ge=0, le=40, description="Match-weight lead (log2) the best candidate needs over the second to be linked."
    )
    address_link_memory: str = Field(
        "4GB",
        pattern=r"^[0-9]+(\.[0-9]+)?\s*(MB|GB|MiB|GiB)$",
        description="Memory DuckDB may use in a link job (it spills to a temporary folder beyond it), e.g. 4GB.",
    )
    address_model: str = Field(
        "", description="Path of a trained address-linkage model (anju address train); empty = the shipped model."
    )
    assistance_programmes: str = Field(
        "",
        description="TOML file of the housing-assistance programme policies; empty = the labelled sample for the city.",
    )
    transactions_purchase_limits: str = Field(
        "",
        description=(
            "TOML file of the purchase-eligibility (限购) policy editions; empty = the labelled sample for the city."
        ),
    )
    transactions_presale_funds: str = Field(
        "",
        description=(
            "TOML file of the presale fund supervision (预售资金监管) editions: milestones, their cumulative "
            "release shares and the retained key amount; empty = the labelled sample for the city."
        ),
    )
    market_health_model: str = Field(
        "",
        description=(
            "TOML file of the market health-evaluation model editions (房地产市场健康评价模型: dimensions, "
            "indicators, weights, normalisation, grades, warning rules); empty = the labelled sample for the city."
        ),
    )
    # --- rental supervision ---------------------------------------------------------------------
    rental_verify_code_days: int = Field(
        60, ge=1, le=365, description="Days a listing verification code (房源核验码) stays valid."
    )
    rental_deposit_cap_months: int = Field(
        3, ge=0, le=12, description="Largest deposit a lease may ask, in months of rent (the legal cap)."
    )
    rental_max_rent_fen: int = Field(
        10_000_000, ge=100, description="Largest monthly rent accepted, in fen (larger is refused as absurd)."
    )
    rental_max_term_months: int = Field(
        240, ge=1, le=240, description="Longest lease term in months (民法典: at most 20 years)."
    )
    rental_escrow_rent_months: int = Field(
        3, ge=1, le=24, description="Rent collected in advance beyond this many months must go to escrow."
    )
    rental_escrow_deposit_months: int = Field(
        1, ge=0, le=12, description="A deposit beyond this many months of rent must go to escrow."
    )
    rental_escrow_mode: Literal["excess", "all"] = Field(
        "excess", description="What goes to escrow once a limit is passed: only the excess, or all of it."
    )
    rental_guidance_band_pct: int = Field(
        30, ge=1, le=300, description="An asked rent more than this percentage outside the guidance range is flagged."
    )
    rental_complaint_days: int = Field(
        15, ge=1, le=90, description="Days a street has to answer a rental complaint or dispute before it is overdue."
    )
    credit_objection_days: int = Field(
        15,
        ge=1,
        le=60,
        description="Working days (Monday to Friday) an officer has to decide a credit objection (异议) before it "
        "is overdue.",
    )
    credit_repair_days: int = Field(
        20,
        ge=1,
        le=60,
        description="Working days (Monday to Friday) an officer has to decide a credit repair request (信用修复).",
    )
    estates_emergency_cap_fen: int = Field(
        20_000_000,
        ge=1,
        description="Largest budget, in fen, of an emergency use of the maintenance fund (应急使用) that needs no "
        "owners' vote.",
    )
    estates_emergency_publish_days: int = Field(
        30,
        ge=1,
        le=365,
        description="Days after an emergency use's last payment by which its final account (决算) must be "
        "published to the owners.",
    )
    house_code_check: Literal["iso7064-mod11-2"] = Field(
        "iso7064-mod11-2", description="Check-character algorithm of house codes (pluggable)."
    )
    log_level: str = Field("INFO", description="Logging level of the application.")
    sql_echo: bool = Field(False, description="Log every SQL statement (development only).")
    write_group_commit: bool = Field(
        True,
        description="Commit the lease filings that arrive together in one server process in one transaction "
        "(group commit); false gives each its own transaction.",
    )
    db_pool_pre_ping: bool = Field(
        False, description="Test each pooled PostgreSQL connection before use (one round trip per request)."
    )
    # --- security -------------------------------------------------------------------------------
    data_keys: SecretStr | None = Field(
        None,
        description="SM4 data keys as `id:hex32,id:hex32` (several during rotation). Empty outside production: "
        "generated once into data_dir/secrets.json.",
    )
    data_key_active: int | None = Field(
        None, ge=1, le=65535, description="Id of the data key new values are encrypted with (default: the highest)."
    )
    index_key: SecretStr | None = Field(
        None, description="HMAC-SM3 key (hex, ≥16 bytes) of the blind indexes used for exact look-up."
    )
    password_min_length: int = Field(10, ge=8, le=128, description="Shortest password accepted.")
    argon2_time_cost: int = Field(3, ge=1, le=20, description="argon2id passes (RFC 9106).")
    argon2_memory_kib: int = Field(65536, ge=1024, description="argon2id memory in KiB (RFC 9106: 64 MiB).")
    argon2_parallelism: int = Field(2, ge=1, le=16, description="argon2id lanes.")
    login_max_failures: int = Field(5, ge=1, le=100, description="Failed sign-ins before an account locks.")
    lockout_minutes: int = Field(15, ge=1, description="How long a locked account stays locked.")
    session_idle_minutes: int = Field(30, ge=1, description="A web session ends after this long without use.")
    session_max_hours: int = Field(12, ge=1, description="A web session or API token ends this long after sign-in.")
    session_cache_seconds: float = Field(
        2.0,
        ge=0,
        le=60,
        description="Seconds a resolved session is reused in-process (0: look up every request). Sign-out and "
        "role changes clear it at once in this process; other processes see them within this time.",
    )
    staff_totp_required: bool = Field(
        True, description="Staff accounts must give a TOTP one-time code at sign-in (refused off in production)."
    )
    cookie_secure: Literal["auto", "always", "never"] = Field(
        "auto", description="Secure flag of the session cookie: auto = when the request came over HTTPS."
    )
    request_max_bytes: int = Field(
        1024 * 1024, ge=1024, description="Largest request body accepted outside the upload endpoints, in bytes."
    )
    rate_limit_login: str = Field("10/minute", description="Sign-in attempts allowed per client address.")
    rate_limit_public: str = Field("120/minute", description="Requests to public endpoints per client address.")
    security_client_token_seconds: int = Field(
        3600, ge=60, le=86400, description="Lifetime of a department client's access token (OAuth 2.0), in seconds."
    )
    security_client_rotation_grace_hours: int = Field(
        24,
        ge=0,
        le=720,
        description="After a department client's secret is rotated, the previous secret keeps working this long.",
    )
    security_client_token_rate: str = Field(
        "30/minute", description="Token requests allowed per department client (POST /oauth/token)."
    )
    security_client_failures_rate: str = Field(
        "10/minute", description="Failed token requests allowed per client address before it is refused (429)."
    )
    security_client_rate_default: int = Field(
        600, ge=1, le=100000, description="Default requests per minute of a new department client."
    )
    security_client_quota_default: int = Field(
        100000, ge=1, le=100000000, description="Default daily call quota of a new department client."
    )
    identity_provider: str = Field(
        "synthetic",
        description="Real-name identity provider (实名认证): `synthetic` checks against the synthetic city's "
        "population (demo and tests; refused in production), or `package.module:Class` of an adapter for the "
        "real service (see docs/identity.md).",
    )
    sms_sender: str = Field(
        "file",
        description="Sender of one-time codes and notices by SMS: `file` appends to data_dir/sms-outbox.jsonl, "
        "`log` writes them to the application log (demo only), or `package.module:Class` of a gateway adapter.",
    )
    phone_code_minutes: int = Field(10, ge=1, le=60, description="How long an SMS one-time code stays valid.")
    phone_code_resend_seconds: int = Field(60, ge=0, le=3600, description="Shortest wait before another code.")
    phone_codes_per_day: int = Field(10, ge=1, le=100, description="One-time codes an account may ask for a day.")
    identity_checks_per_day: int = Field(
        5, ge=1, le=100, description="Real-name checks an account may ask the identity provider for a day."
    )
    assistance_self_checks_per_hour: int = Field(
        10,
        ge=1,
        le=1000,
        description="Eligibility self-checks an account may run in an hour (counted from the audit log; 429 "
        "beyond, audited as assistance.check.throttled).",
    )
    assistance_suspicious_members: int = Field(
        8,
        ge=1,
        le=1000,
        description="Distinct household-member ID numbers an account may name in its applications within "
        "assistance_suspicious_days before it is flagged to the audit (assistance.check.suspicious).",
    )
    assistance_suspicious_days: int = Field(
        30, ge=1, le=366, description="The window (days) of assistance_suspicious_members."
    )
    exchange_open_data_k: int = Field(
        10,
        ge=2,
        le=1000,
        description="Open data: the smallest count published; smaller counts (and the figures that would reveal "
        "them) are withheld.",
    )
    exchange_catalogue_base_url: str = Field(
        "",
        max_length=200,
        description="The base URL of the DCAT catalogue's identifiers (@id), e.g. https://data.example.gov.cn; "
        "empty uses the request's base URL (identifiers then depend on the host the caller used).",
    )
    exchange_retention_rules: str = Field(
        "",
        description="TOML file of the retention rules (dataset, closed records, after how long, action); empty uses "
        "the rules shipped in anju/exchange/data/retention.toml.",
    )
    exchange_amqp_url: SecretStr | None = Field(
        None,
        description="AMQP broker of the outbox's amqp subscribers, e.g. amqp://user:pass@host:5672/%2F; "
        "unset: no broker, webhooks only (amqp subscribers wait).",
    )
    exchange_webhook_timeout_seconds: float = Field(
        10.0, gt=0, le=300, description="Timeout of one webhook request (connect and read)."
    )
    exchange_webhook_window_seconds: int = Field(
        300, ge=1, le=86400, description="How far a webhook's timestamp may be from the verifier's clock."
    )
    exchange_delivery_batch: int = Field(
        500, ge=1, le=10000, description="Deliveries a deliverer claims at once (at most one per subscriber and key)."
    )
    exchange_delivery_concurrency: int = Field(
        16, ge=1, le=256, description="Concurrent webhook requests of one deliverer (different keys only)."
    )
    exchange_delivery_max_attempts: int = Field(
        10, ge=1, le=100, description="Failed attempts after which a delivery is parked for a manual retry."
    )
    exchange_retry_base_seconds: float = Field(
        2.0, gt=0, le=3600, description="First retry delay; doubled per attempt, with jitter."
    )
    exchange_retry_max_seconds: float = Field(3600.0, gt=0, le=86400, description="Longest retry delay.")
    exchange_claim_seconds: int = Field(
        60,
        ge=5,
        le=3600,
        description="How long a deliverer holds a claimed delivery; a deliverer that died releases it after this.",
    )
    exchange_poll_seconds: float = Field(
        1.0, gt=0, le=60, description="How long the deliverer waits when there is nothing to deliver."
    )
    market_published_method: Literal["hedonic", "repeat-sales-geometric", "repeat-sales-arithmetic", "median"] = Field(
        "hedonic",
        description="Market monitoring: the price-index method whose figures the bureau publishes (the public page, "
        "the monthly report's headline).",
    )
    market_first_month: str = Field(
        "2016-01",
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="First month (YYYY-MM) of a market computation: the price indices' base month (= 100).",
    )
    ledger_signing_key: SecretStr | None = Field(
        None,
        description="Ed25519 private key seed (64 hex characters) that signs the verifiable log's tree heads; "
        "`anju ledger keygen` makes one. Unset: tree heads cannot be signed.",
    )
    renewal_plan: str = Field(
        "",
        description="A plan file (docs/plan.md format) whose renewal targets and district × year table of "
        "old-community renovation the renewal pages show; empty = the city's current plan (anju.plan).",
    )
    renewal_catalogue: str = Field(
        "",
        description="TOML file of the classified catalogue of renovation contents (基础类/完善类/提升类); "
        "empty = the labelled sample.",
    )
    renewal_eligibility: str = Field(
        "",
        description="TOML file of the renewal projects' eligibility rules as dated editions (year built, "
        "floors, declared conditions) and the lift agreement's share; empty = the plan's rules.",
    )
    estates_fund_rates: str = Field(
        "",
        description="TOML file of the maintenance-fund deposit rates (维修资金交存标准) by building type as dated "
        "editions; empty = the labelled sample for the city.",
    )
    estates_fund_topup_percent: int = Field(
        30,
        ge=1,
        le=100,
        description="A home whose maintenance-fund balance fell below this share (percent) of its initial deposit "
        "is due a top-up (续筹) back to its initial deposit.",
    )
    estates_complaint_days: int = Field(
        15,
        ge=1,
        le=60,
        description="Working days (Monday to Friday) a street has to close an owner's property-service complaint "
        "(物业投诉) before it is overdue.",
    )

    @field_validator("database_url")
    @classmethod
    def _no_trailing_space(cls, v: str) -> str:
        return v.strip()

    @property
    def address_model_path(self) -> Path | None:
        return Path(self.address_model) if self.address_model else None

    @property
    def assistance_programmes_path(self) -> Path | None:
        return Path(self.assistance_programmes) if self.assistance_programmes else None

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'anju.db').resolve()}"

    def check_production_safety(self) -> None:
        """Refuse insecure defaults outside development."""
        if self.environment == "production":
            if self.resolved_database_url.startswith("sqlite"):
                raise ValueError("ANJU_DATABASE_URL must point at PostgreSQL in production")
            if self.sql_echo:
                raise ValueError("ANJU_SQL_ECHO must be off in production")
            if not self.staff_totp_required:
                raise ValueError("ANJU_STAFF_TOTP_REQUIRED must be on in production")
            if self.cookie_secure != "always":
                raise ValueError("ANJU_COOKIE_SECURE must be 'always' in production (TLS ends at a proxy)")
            if self.identity_provider == "synthetic":
                raise ValueError("ANJU_IDENTITY_PROVIDER must name the real service's adapter in production")
            if self.sms_sender in ("file", "log"):
                raise ValueError("ANJU_SMS_SENDER must name an SMS gateway adapter in production")


def load_settings(**overrides: object) -> Settings:
    settings = Settings(**overrides)  # type: ignore[arg-type]
    settings.check_production_safety()
    return settings
