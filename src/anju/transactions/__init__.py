"""New-home transactions (商品房): developers, projects, presale permits, filed prices (一房一价) and the
online signing and filing of purchase contracts (商品房买卖合同网签备案).

Other contexts use only what this module exports.
"""

from anju.transactions import domain
from anju.transactions.contracts import Contract, ContractIn
from anju.transactions.figures import rebuild as rebuild_daily_figures
from anju.transactions.filings import Developer, DeveloperIn, Permit, PermitIn, Project, ProjectIn
from anju.transactions.prices import Price, PriceLine
from anju.transactions.statistics import SalesBatch, statistical_sales
from anju.transactions.tables import (
    developers,
    home_prices,
    presale_fund_supervisions,
    presale_permit_homes,
    presale_permits,
    resale_contracts,
    resale_listings,
    sale_contracts,
    sale_projects,
    transaction_daily_figures,
    transaction_monthly_figures,
)

__all__ = [
    "Contract",
    "ContractIn",
    "Developer",
    "DeveloperIn",
    "Permit",
    "PermitIn",
    "Price",
    "PriceLine",
    "Project",
    "ProjectIn",
    "SalesBatch",
    "developers",
    "domain",
    "home_prices",
    "presale_fund_supervisions",
    "presale_permit_homes",
    "presale_permits",
    "rebuild_daily_figures",
    "resale_contracts",
    "resale_listings",
    "sale_contracts",
    "sale_projects",
    "statistical_sales",
    "transaction_daily_figures",
    "transaction_monthly_figures",
]
