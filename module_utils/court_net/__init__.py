# Shared code of the court network and power modules (C.2, D.1): parsers for RouterOS v6/v7
# and Cisco IOS output, upsc output, configuration sanitising and storage, findings.
