"""Root URLs of the public archive APIs; each client accepts another root (mirror, test server)."""

# NBIA REST API of The Cancer Imaging Archive, version 4 (unauthenticated, public collections).
TCIA_BASE_URL = "https://services.cancerimagingarchive.net/nbia-api/services/v4"

# NCI Genomic Data Commons API.
GDC_BASE_URL = "https://api.gdc.cancer.gov"

# cBioPortal public instance, REST API root.
CBIOPORTAL_BASE_URL = "https://www.cbioportal.org/api"
