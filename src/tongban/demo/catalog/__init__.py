"""The demo service catalog of 四川省 (and a few districts of 重庆市): matters, departments and
bundles as hand-written tables (`matters`, `departments`, `bundles`), and the e-license type codes
they refer to (`licenses`). `tongban.demo.catalog_data` is the public face of these tables and
`tongban.demo.catalog_build` turns them into organisations and an import dataset."""
