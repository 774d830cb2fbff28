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
use core_external\external_multiple_structure;
use core_external\external_single_structure;
use core_external\external_value;
use local_lemma\course_restore;

/**
 * The restores lemma started: state, progress, course, names, warnings of the restore log.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class restore_status extends external_api {
    /**
     * Parameters: one of restore id, request id or course id.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'restoreid' => new external_value(PARAM_ALPHANUM, 'Restore id', VALUE_DEFAULT, ''),
            'requestid' => new external_value(PARAM_ALPHANUM, 'The caller\'s request id', VALUE_DEFAULT, ''),
            'courseid' => new external_value(PARAM_INT, 'Every restore into this course', VALUE_DEFAULT, 0),
        ]);
    }

    /**
     * The matching restores, newest first.
     *
     * @param string $restoreid
     * @param string $requestid
     * @param int $courseid
     * @return array
     */
    public static function execute(string $restoreid = '', string $requestid = '', int $courseid = 0): array {
        global $DB;
        $params = self::validate_parameters(self::execute_parameters(),
            ['restoreid' => $restoreid, 'requestid' => $requestid, 'courseid' => $courseid]);
        self::validate_context(\context_system::instance());

        if ($params['restoreid'] !== '') {
            $conditions = ['restoreid' => $params['restoreid']];
        } else if ($params['requestid'] !== '') {
            $conditions = ['requestid' => $params['requestid']];
        } else if ($params['courseid'] > 0) {
            $conditions = ['courseid' => $params['courseid']];
        } else {
            throw new \invalid_parameter_exception('give a restoreid, a requestid or a courseid');
        }
        $restores = [];
        foreach ($DB->get_records(course_restore::TABLE, $conditions, 'timecreated DESC, id DESC') as $record) {
            require_capability('moodle/restore:restorecourse', course_restore::context_of($record));
            $restores[] = course_restore::status($record);
        }
        return ['restores' => $restores];
    }

    /**
     * One entry per restore.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'restores' => new external_multiple_structure(new external_single_structure([
                'restoreid' => new external_value(PARAM_ALPHANUM, 'Restore id'),
                'requestid' => new external_value(PARAM_ALPHANUM, 'The caller\'s request id'),
                'courseid' => new external_value(PARAM_INT, 'Course restored into'),
                'categoryid' => new external_value(PARAM_INT, 'Category of a new course'),
                'target' => new external_value(PARAM_ALPHA, 'new or replace'),
                'state' => new external_value(PARAM_ALPHA, 'queued, running, restored, finished or failed'),
                'progress' => new external_value(PARAM_FLOAT, '0 to 1'),
                'fullname' => new external_value(PARAM_TEXT, 'Final course full name'),
                'shortname' => new external_value(PARAM_TEXT, 'Final course short name'),
                'idnumber' => new external_value(PARAM_RAW, 'Final course idnumber'),
                'visible' => new external_value(PARAM_INT, 'Visibility once restored'),
                'sha256' => new external_value(PARAM_ALPHANUM, 'The archive\'s sha256'),
                'message' => new external_value(PARAM_RAW, 'Why it failed, or empty'),
                'warnings' => new external_multiple_structure(new external_value(PARAM_RAW, 'Restore log entry')),
                'timecreated' => new external_value(PARAM_INT, 'When the restore was requested'),
                'timemodified' => new external_value(PARAM_INT, 'Last change of state'),
            ])),
        ]);
    }
}
