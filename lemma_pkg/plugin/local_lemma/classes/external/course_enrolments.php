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

/**
 * A course's enrolments with their status and dates, roles and groups, in pages.
 *
 * core_enrol_get_enrolled_users gives neither an enrolment's dates nor its status, and
 * enrol_manual_enrol_users resets both when it is sent again, so lemma enrol reads them
 * here to leave an unchanged enrolment alone. Also the course's manual enrolment method
 * (the default role and period that Moodle's Upload users applies) and the roles the
 * caller may assign.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class course_enrolments extends external_api {
    /**
     * Parameters: the course and a page of users.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'limitfrom' => new external_value(PARAM_INT, 'Skip this many users', VALUE_DEFAULT, 0),
            'limitnumber' => new external_value(PARAM_INT, 'At most this many users (0: all)', VALUE_DEFAULT, 0),
        ]);
    }

    /**
     * The manual method, assignable roles and one page of enrolled users ordered by id.
     *
     * @param int $courseid
     * @param int $limitfrom
     * @param int $limitnumber
     * @return array
     */
    public static function execute(int $courseid, int $limitfrom = 0, int $limitnumber = 0): array {
        global $DB;

        $params = self::validate_parameters(self::execute_parameters(),
            ['courseid' => $courseid, 'limitfrom' => $limitfrom, 'limitnumber' => $limitnumber]);
        $courseid = $params['courseid'];
        $context = \context_course::instance($courseid);
        self::validate_context($context);
        require_capability('moodle/course:enrolreview', $context);

        $manual = ['id' => 0, 'enabled' => false, 'roleid' => 0, 'enrolperiod' => 0];
        foreach (enrol_get_instances($courseid, false) as $instance) {
            if ($instance->enrol !== 'manual') {
                continue;
            }
            $enabled = (int)$instance->status === ENROL_INSTANCE_ENABLED && enrol_is_enabled('manual');
            if (!$manual['id'] || ($enabled && !$manual['enabled'])) {
                // The first manual method, or the first enabled one (the one
                // enrol_manual_enrol_users uses).
                $manual = ['id' => (int)$instance->id, 'enabled' => $enabled,
                    'roleid' => (int)$instance->roleid, 'enrolperiod' => (int)$instance->enrolperiod];
            }
        }

        $assignable = [];
        foreach (get_assignable_roles($context, ROLENAME_SHORT) as $roleid => $shortname) {
            $assignable[] = ['id' => (int)$roleid, 'shortname' => $shortname];
        }

        $from = "FROM {user_enrolments} ue JOIN {enrol} e ON e.id = ue.enrolid WHERE e.courseid = :courseid";
        $total = $DB->count_records_sql("SELECT COUNT(DISTINCT ue.userid) $from", ['courseid' => $courseid]);
        $userids = $DB->get_fieldset_sql("SELECT DISTINCT ue.userid $from ORDER BY ue.userid",
            ['courseid' => $courseid], $params['limitfrom'], $params['limitnumber']);

        $users = [];
        foreach ($userids as $userid) {
            $users[(int)$userid] = ['userid' => (int)$userid, 'enrolments' => [], 'roleids' => [], 'groupids' => []];
        }
        if ($users) {
            [$insql, $inparams] = $DB->get_in_or_equal(array_keys($users), SQL_PARAMS_NAMED);
            $rows = $DB->get_records_sql(
                "SELECT ue.id, ue.userid, ue.enrolid, e.enrol, ue.status, ue.timestart, ue.timeend
                   $from AND ue.userid $insql
               ORDER BY ue.userid, ue.enrolid",
                ['courseid' => $courseid] + $inparams);
            foreach ($rows as $row) {
                $users[(int)$row->userid]['enrolments'][] = [
                    'enrolid' => (int)$row->enrolid,
                    'method' => $row->enrol,
                    'status' => (int)$row->status,
                    'timestart' => (int)$row->timestart,
                    'timeend' => (int)$row->timeend,
                ];
            }
            $rows = $DB->get_recordset_sql(
                "SELECT DISTINCT ra.userid, ra.roleid FROM {role_assignments} ra
                  WHERE ra.contextid = :contextid AND ra.userid $insql ORDER BY ra.userid, ra.roleid",
                ['contextid' => $context->id] + $inparams);
            foreach ($rows as $row) {
                $users[(int)$row->userid]['roleids'][] = (int)$row->roleid;
            }
            $rows->close();
            $rows = $DB->get_recordset_sql(
                "SELECT gm.userid, gm.groupid FROM {groups_members} gm JOIN {groups} g ON g.id = gm.groupid
                  WHERE g.courseid = :courseid AND gm.userid $insql ORDER BY gm.userid, gm.groupid",
                ['courseid' => $courseid] + $inparams);
            foreach ($rows as $row) {
                $users[(int)$row->userid]['groupids'][] = (int)$row->groupid;
            }
            $rows->close();
        }

        return [
            'courseid' => $courseid,
            'manual' => $manual,
            'assignableroles' => $assignable,
            'totalusers' => (int)$total,
            'users' => array_values($users),
        ];
    }

    /**
     * The method, roles and users.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'manual' => new external_single_structure([
                'id' => new external_value(PARAM_INT, 'Manual enrolment method id (0: none)'),
                'enabled' => new external_value(PARAM_BOOL, 'Method and plugin both enabled'),
                'roleid' => new external_value(PARAM_INT, 'Default role'),
                'enrolperiod' => new external_value(PARAM_INT, 'Default duration in seconds (0: unlimited)'),
            ]),
            'assignableroles' => new external_multiple_structure(new external_single_structure([
                'id' => new external_value(PARAM_INT, 'Role id'),
                'shortname' => new external_value(PARAM_ALPHANUMEXT, 'Role short name'),
            ])),
            'totalusers' => new external_value(PARAM_INT, 'Enrolled users in the course (all pages)'),
            'users' => new external_multiple_structure(new external_single_structure([
                'userid' => new external_value(PARAM_INT, 'User id'),
                'enrolments' => new external_multiple_structure(new external_single_structure([
                    'enrolid' => new external_value(PARAM_INT, 'Enrolment method id'),
                    'method' => new external_value(PARAM_PLUGIN, 'Enrolment plugin, e.g. manual'),
                    'status' => new external_value(PARAM_INT, '0 active, 1 suspended'),
                    'timestart' => new external_value(PARAM_INT, 'Start (0: none)'),
                    'timeend' => new external_value(PARAM_INT, 'End (0: none)'),
                ])),
                'roleids' => new external_multiple_structure(new external_value(PARAM_INT, 'Role id')),
                'groupids' => new external_multiple_structure(new external_value(PARAM_INT, 'Group id')),
            ])),
        ]);
    }
}
