<?php
// This file is part of local_lemma, the companion plugin of lemma-pkg.
//
// local_lemma is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// local_lemma is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with local_lemma.  If not, see <https://www.gnu.org/licenses/>.

/**
 * Upgrade steps of local_lemma.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

/**
 * Upgrade local_lemma from an older version.
 *
 * @param int $oldversion the version installed before
 * @return bool
 */
function xmldb_local_lemma_upgrade($oldversion) {
    global $DB;
    $dbman = $DB->get_manager();

    if ($oldversion < 2026120500) {
        // The restores of lemma deploy (local_lemma_restore_course).
        if (!$dbman->table_exists('local_lemma_restores')) {
            $dbman->install_one_table_from_xmldb_file(__DIR__ . '/install.xml', 'local_lemma_restores');
        }
        upgrade_plugin_savepoint(true, 2026120500, 'local', 'lemma');
    }

    if ($oldversion < 2026121003) {
        // The fingerprints of what lemma deploy --update last applied to a course; and the
        // restores table again, for sites that had a development build numbered past its step.
        foreach (['local_lemma_applied', 'local_lemma_restores'] as $table) {
            if (!$dbman->table_exists($table)) {
                $dbman->install_one_table_from_xmldb_file(__DIR__ . '/install.xml', $table);
            }
        }
        upgrade_plugin_savepoint(true, 2026121003, 'local', 'lemma');
    }

    return true;
}
