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
 * Restore an uploaded course backup as a new course, or replace an existing course's content.
 *
 * Moodle 4.5 has no web service for this (MDL-64915). The precheck runs in this request;
 * the restore itself runs as an adhoc task (see local_lemma_restore_status).
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class restore_course extends external_api {
    /**
     * Parameters: where the backup is, where it goes, the final names.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'requestid' => new external_value(PARAM_ALPHANUM, 'The caller\'s id for this request (idempotency key)'),
            'draftitemid' => new external_value(PARAM_INT, 'Draft area item id from webservice/upload.php'),
            'filename' => new external_value(PARAM_FILE, 'Name of the .mbz in that draft area'),
            'target' => new external_value(PARAM_ALPHA, 'new or replace'),
            'fullname' => new external_value(PARAM_TEXT, 'Final course full name'),
            'shortname' => new external_value(PARAM_TEXT, 'Final course short name'),
            'categoryid' => new external_value(PARAM_INT, 'Category of the new course', VALUE_DEFAULT, 0),
            'courseid' => new external_value(PARAM_INT, 'Course whose content is replaced', VALUE_DEFAULT, 0),
            'idnumber' => new external_value(PARAM_RAW, 'Final course idnumber', VALUE_DEFAULT, ''),
            'visible' => new external_value(PARAM_INT, 'Course visibility once restored', VALUE_DEFAULT, 1),
            'sha256' => new external_value(PARAM_ALPHANUM, 'The archive\'s sha256', VALUE_DEFAULT, ''),
            'precheckonly' => new external_value(PARAM_BOOL, 'Only run the precheck', VALUE_DEFAULT, false),
        ]);
    }

    /**
     * Check the caller may do it, then start the restore (or only precheck it).
     *
     * @param string $requestid
     * @param int $draftitemid
     * @param string $filename
     * @param string $target
     * @param string $fullname
     * @param string $shortname
     * @param int $categoryid
     * @param int $courseid
     * @param string $idnumber
     * @param int $visible
     * @param string $sha256
     * @param bool $precheckonly
     * @return array
     */
    public static function execute(string $requestid, int $draftitemid, string $filename, string $target,
            string $fullname, string $shortname, int $categoryid = 0, int $courseid = 0, string $idnumber = '',
            int $visible = 1, string $sha256 = '', bool $precheckonly = false): array {
        global $DB, $USER;
        $params = self::validate_parameters(self::execute_parameters(), [
            'requestid' => $requestid, 'draftitemid' => $draftitemid, 'filename' => $filename,
            'target' => $target, 'fullname' => $fullname, 'shortname' => $shortname,
            'categoryid' => $categoryid, 'courseid' => $courseid, 'idnumber' => $idnumber,
            'visible' => $visible, 'sha256' => $sha256, 'precheckonly' => $precheckonly,
        ]);
        if ($params['requestid'] === '' || trim($params['shortname']) === '' || trim($params['fullname']) === '') {
            throw new \invalid_parameter_exception('requestid, fullname and shortname must not be empty');
        }

        if ($params['target'] === course_restore::TARGET_NEW) {
            $context = \context_coursecat::instance($params['categoryid']);
            self::validate_context($context);
            require_capability('moodle/restore:restorecourse', $context);
            require_capability('moodle/course:create', $context);
        } else if ($params['target'] === course_restore::TARGET_REPLACE) {
            $context = \context_course::instance($params['courseid']);
            self::validate_context($context);
            require_capability('moodle/restore:restorecourse', $context);
            require_capability('moodle/course:update', $context);
        } else {
            throw new \invalid_parameter_exception('target must be new or replace');
        }

        // The same request again (a retry after a timeout): answer with the first one's restore.
        $existing = $DB->get_record(course_restore::TABLE, ['requestid' => $params['requestid']]);
        if ($existing) {
            return course_restore::started($existing, [], []);
        }
        return course_restore::start($params, (int)$USER->id);
    }

    /**
     * What was started, and Moodle's precheck results.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'restoreid' => new external_value(PARAM_ALPHANUM, 'Restore id, empty when nothing was started'),
            'requestid' => new external_value(PARAM_ALPHANUM, 'The caller\'s request id'),
            'courseid' => new external_value(PARAM_INT, 'Course restored into, 0 when nothing was started'),
            'state' => new external_value(PARAM_ALPHA, 'queued, running, restored, finished, failed, prechecked, refused'),
            'errors' => new external_multiple_structure(new external_value(PARAM_RAW, 'Precheck error')),
            'warnings' => new external_multiple_structure(new external_value(PARAM_RAW, 'Precheck warning')),
        ]);
    }
}
