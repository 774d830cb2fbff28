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
use local_lemma\local\applied;

/**
 * Record fingerprints without changing the course: the baseline after a deploy.
 *
 * `lemma deploy` calls this right after restoring a build, so that the first
 * `lemma deploy --update` compares with what was restored instead of re-applying it all.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class record_applied extends external_api {
    /**
     * Parameters: the course, the fingerprints, whether they replace everything stored.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'applied' => applied::parameter(),
            'replace' => new external_value(PARAM_BOOL, 'Forget what was stored first', VALUE_DEFAULT, false),
        ]);
    }

    /**
     * Store the fingerprints.
     *
     * @param int $courseid
     * @param array $applied
     * @param bool $replace
     * @return array
     */
    public static function execute(int $courseid, array $applied = [], bool $replace = false): array {
        global $DB;
        $params = self::validate_parameters(self::execute_parameters(),
            ['courseid' => $courseid, 'applied' => $applied, 'replace' => $replace]);
        $context = \context_course::instance($params['courseid']);
        self::validate_context($context);
        require_capability('moodle/course:update', $context);

        $transaction = $DB->start_delegated_transaction();
        if ($params['replace']) {
            applied::forget_course($params['courseid']);
        }
        applied::merge($params['courseid'], $params['applied']);
        $transaction->allow_commit();
        return ['courseid' => $params['courseid'], 'recorded' => count($params['applied'])];
    }

    /**
     * How many entries were recorded.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'recorded' => new external_value(PARAM_INT, 'Entries recorded'),
        ]);
    }
}
