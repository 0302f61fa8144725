package store

// On-disk format of bbolt (file format 2).
const (
	pageHeader     = 16
	branchElement  = 16
	branchFlag     = 0x01
	bMagic         = 0xED0CDAED
	bVersion       = 2
	metaOffset     = pageHeader // the meta follows the page header
	metaSumEnd     = 56         // the checksum covers the meta's first 56 bytes
	leafFlag       = 0x02
	metaFlag       = 0x04
	freelistFlag   = 0x10
	bucketLeaf     = 0x01
	leafElement    = 16
	noFreelist     = ^uint64(0)
	maxTreeDepth   = 64
	maxScanReports = 20
)
