#!/usr/bin/env node
// Writes oclif.manifest.json after a build, as `oclif manifest` does, with @oclif/core alone (the
// `oclif` tool would pull the AWS SDK into every install). Without a manifest, every start of the
// CLI imports every command module to learn their flags: DuckDB, serialport and all.
import {writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {Plugin} from '@oclif/core'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const plugin = new Plugin({errorOnManifestCreate: true, ignoreManifest: true, root, type: 'core'})
await plugin.load()
writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify(plugin.manifest, null, 2) + '\n')
console.log(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands`)
