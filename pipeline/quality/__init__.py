"""How good the codes are: agreement between coders and with the machine (``qualflow eval``),
gold codes, the simulated review, review ordering and which decision prevails."""
