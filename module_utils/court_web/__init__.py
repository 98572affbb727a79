# Shared code of the court website modules (F.1-F.4, E.6): access-log parsing and analysis,
# content and integrity scanning, feed/sitemap dates, RDAP expiry.
