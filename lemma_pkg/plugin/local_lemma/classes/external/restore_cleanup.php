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

namespace local_lemma\external;

use core_external\external_api;
use core_external\external_function_parameters;
use core_external\external_single_structure;
use core_external\external_value;
use local_lemma\course_restore;

/**
 * Give up a restore whose cron process died or whose task is gone: its task is removed and a
 * new course it was restoring into is deleted, so no half-restored course stays behind.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class restore_cleanup extends external_api {
    /**
     * Parameters: the restore id.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'restoreid' => new external_value(PARAM_ALPHANUM, 'Restore id'),
        ]);
    }

    /**
     * Clean up one restore; a finished one is left as it is, a live one refused.
     *
     * @param string $restoreid
     * @return array
     */
    public static function execute(string $restoreid): array {
        global $DB;
        $params = self::validate_parameters(self::execute_parameters(), ['restoreid' => $restoreid]);
        self::validate_context(\context_system::instance());
        $record = $DB->get_record(course_restore::TABLE, ['restoreid' => $params['restoreid']], '*', MUST_EXIST);
        require_capability('moodle/restore:restorecourse', course_restore::context_of($record));
        return course_restore::cleanup($record);
    }

    /**
     * The restore afterwards, as local_lemma_restore_status gives it.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return restore_status::execute_returns()->keys['restores']->content;
    }
}
