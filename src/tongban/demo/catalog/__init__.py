"""The demo service catalog of 四川省 (and a few districts of 重庆市) as hand-written tables: the
shape of a matter and its helpers (`spec`), one module of matters per field (`matters_*`), the
national key bundles (`bundles`), departments and their naming (`departments`), and the e-license
type codes they refer to (`licenses`). `tongban.demo.catalog_data` is the public face of these
tables and `tongban.demo.catalog_build` turns them into organisations and an import dataset."""
