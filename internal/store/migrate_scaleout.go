package store

import "gorm.io/gorm"

// migrateScaleOut adds the tables that let several nodes share one
// database: the cache invalidation log and the fingerprints of the keys
// the nodes must share.
func migrateScaleOut(tx *gorm.DB) error {
	return tx.AutoMigrate(&Invalidation{}, &NodeKey{})
}
