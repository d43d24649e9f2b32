"""The certifier's chain above the ledger: settings, civil identity, jury, certificates, SI CPF, RGPD.

It reads the ledger's statuses and never writes ledger entries.
"""
