"""Housing assistance and talent housing: programmes, applications, eligibility, review, lottery, allocation,
tracking."""
