export {DATA_DIR_LAYOUT, defaultDataDir, isTermux} from './data-dir.js'
export {DurationSyntaxError, formatDuration, parseDuration} from './duration.js'
export {describeSettings, LOG_LEVELS, resolveSettings, SETTINGS} from './settings.js'
export type {LogLevel, Origin, SettingFlags, SettingKey, Settings} from './settings.js'
