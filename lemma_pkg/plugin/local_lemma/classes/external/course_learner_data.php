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
 * The learner data of a course, a page of enrolled users at a time.
 *
 * Core Moodle answers these questions one user (and one quiz) per call; this function
 * reads the same tables for a page of users at once: user_enrolments, user_lastaccess,
 * user_info_data, course_modules_completion, quiz_attempts with the latest step of each
 * question attempt, grade_grades and course_completions.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class course_learner_data extends external_api {
    /**
     * Parameters: the course, a modification time, where the page starts and its size.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'since' => new external_value(PARAM_INT, 'Only rows changed at or after this time (0: all rows)',
                VALUE_DEFAULT, 0),
            'afteruserid' => new external_value(PARAM_INT, 'Users with a larger id than this (0: from the first)',
                VALUE_DEFAULT, 0),
            'limit' => new external_value(PARAM_INT, 'Users per page, 1 to 1000', VALUE_DEFAULT, 200),
        ]);
    }

    /**
     * One page of learner data.
     *
     * @param int $courseid
     * @param int $since
     * @param int $afteruserid
     * @param int $limit
     * @return array
     */
    public static function execute(int $courseid, int $since = 0, int $afteruserid = 0, int $limit = 200): array {
        global $CFG, $DB;
        require_once($CFG->libdir . '/gradelib.php');
        require_once($CFG->libdir . '/questionlib.php');

        $params = self::validate_parameters(self::execute_parameters(), [
            'courseid' => $courseid, 'since' => $since, 'afteruserid' => $afteruserid, 'limit' => $limit,
        ]);
        if ($params['limit'] < 1 || $params['limit'] > 1000) {
            throw new \invalid_parameter_exception('limit must be between 1 and 1000');
        }
        $course = get_course($params['courseid']);
        $context = \context_course::instance($course->id);
        self::validate_context($context);
        require_capability('local/lemma:exportlearnerdata', $context);
        $since = $params['since'];
        $first = $params['afteruserid'] == 0;

        // The page: enrolled users (any method, any status) after afteruserid, by id.
        $enrolled = "FROM {user_enrolments} ue
                     JOIN {enrol} e ON e.id = ue.enrolid
                     JOIN {user} u ON u.id = ue.userid
                    WHERE e.courseid = :courseid AND u.deleted = 0";
        $base = ['courseid' => $course->id];
        $total = (int)$DB->count_records_sql("SELECT COUNT(DISTINCT ue.userid) $enrolled", $base);
        $pagerows = $DB->get_records_sql(
            "SELECT ue.userid, MIN(ue.timecreated) AS timeenrolled,
                    MIN(CASE WHEN ue.status = 0 AND e.status = 0 THEN 0 ELSE 1 END) AS suspended
             $enrolled AND ue.userid > :after
             GROUP BY ue.userid
             ORDER BY ue.userid",
            $base + ['after' => $params['afteruserid']], 0, $params['limit']);
        $userids = array_map('intval', array_keys($pagerows));
        $last = $userids ? end($userids) : $params['afteruserid'];
        $hasmore = $userids && $DB->record_exists_sql("SELECT 1 $enrolled AND ue.userid > :last",
            $base + ['last' => $last]);

        $modinfo = get_fast_modinfo($course, -1);
        $out = [
            'course' => [
                'id' => (int)$course->id,
                'shortname' => $course->shortname,
                'fullname' => $course->fullname,
                'idnumber' => (string)$course->idnumber,
                'startdate' => (int)$course->startdate,
                'enddate' => (int)$course->enddate,
            ],
            'profilefields' => [],
            'modules' => [],
            'quizzes' => [],
            'gradeitems' => [],
            'users' => [],
            'completions' => [],
            'attempts' => [],
            'grades' => [],
            'coursecompletions' => [],
            'totalusers' => $total,
            'nextafteruserid' => (int)$last,
            'hasmore' => (bool)$hasmore,
        ];
        // Course totals and other aggregated grades as the gradebook shows them.
        grade_regrade_final_grades_if_required($course);
        if ($first) {
            self::structure($course, $modinfo, $out);
        }
        if (!$userids) {
            return $out;
        }
        [$usql, $uparams] = $DB->get_in_or_equal($userids, SQL_PARAMS_NAMED, 'u');

        // Users, their last access to the course, roles and profile fields.
        $users = $DB->get_records_select('user', "id $usql", $uparams, 'id',
            'id, username, firstname, lastname, email, idnumber, firstaccess, lastaccess');
        $access = $DB->get_records_select_menu('user_lastaccess', "courseid = :courseid AND userid $usql",
            $uparams + ['courseid' => $course->id], '', 'userid, timeaccess');
        $roles = [];
        $rs = $DB->get_recordset_sql(
            "SELECT ra.id, ra.userid, r.shortname
               FROM {role_assignments} ra
               JOIN {role} r ON r.id = ra.roleid
              WHERE ra.contextid = :ctx AND ra.userid $usql
           ORDER BY r.shortname", $uparams + ['ctx' => $context->id]);
        foreach ($rs as $row) {
            $roles[$row->userid][$row->shortname] = $row->shortname;
        }
        $rs->close();
        $fields = $DB->get_records('user_info_field', null, 'sortorder, id', 'id, shortname, defaultdata');
        $data = [];
        $rs = $DB->get_recordset_select('user_info_data', "userid $usql", $uparams, '', 'id, userid, fieldid, data');
        foreach ($rs as $row) {
            $data[$row->userid][$row->fieldid] = (string)$row->data;
        }
        $rs->close();
        foreach ($userids as $userid) {
            $user = $users[$userid];
            $profile = [];
            foreach ($fields as $field) {
                $value = $data[$userid][$field->id] ?? (string)$field->defaultdata;
                if ($value !== '') {
                    $profile[] = ['shortname' => $field->shortname, 'value' => $value];
                }
            }
            $out['users'][] = [
                'id' => (int)$userid,
                'username' => $user->username,
                'firstname' => $user->firstname,
                'lastname' => $user->lastname,
                'email' => $user->email,
                'idnumber' => (string)$user->idnumber,
                'firstaccess' => (int)$user->firstaccess,
                'lastaccess' => (int)$user->lastaccess,
                'lastcourseaccess' => (int)($access[$userid] ?? 0),
                'timeenrolled' => (int)$pagerows[$userid]->timeenrolled,
                'suspended' => (bool)$pagerows[$userid]->suspended,
                'roles' => array_values($roles[$userid] ?? []),
                'profile' => $profile,
            ];
        }

        // Activity completion rows.
        $rs = $DB->get_recordset_sql(
            "SELECT cmc.id, cmc.userid, cmc.coursemoduleid, cmc.completionstate, cmc.timemodified, cmc.overrideby
               FROM {course_modules_completion} cmc
               JOIN {course_modules} cm ON cm.id = cmc.coursemoduleid
              WHERE cm.course = :courseid AND cmc.userid $usql AND cmc.timemodified >= :since
           ORDER BY cmc.userid, cmc.coursemoduleid", $uparams + $base + ['since' => $since]);
        foreach ($rs as $row) {
            $out['completions'][] = [
                'userid' => (int)$row->userid,
                'cmid' => (int)$row->coursemoduleid,
                'completionstate' => (int)$row->completionstate,
                'timemodified' => (int)$row->timemodified,
                'overrideby' => $row->overrideby === null ? null : (int)$row->overrideby,
            ];
        }
        $rs->close();

        // Quiz attempts (no previews) and the marks of each question's latest step.
        $attempts = $DB->get_records_sql(
            "SELECT qa.id, qa.quiz, qa.userid, qa.attempt, qa.uniqueid, qa.state, qa.timestart,
                    qa.timefinish, qa.timemodified, qa.sumgrades
               FROM {quiz_attempts} qa
               JOIN {quiz} q ON q.id = qa.quiz
              WHERE q.course = :courseid AND qa.userid $usql AND qa.preview = 0 AND qa.timemodified >= :since
           ORDER BY qa.userid, qa.id", $uparams + $base + ['since' => $since]);
        $marks = [];
        if ($attempts) {
            $uniqueids = array_map(fn($a) => (int)$a->uniqueid, array_values($attempts));
            $dm = new \question_engine_data_mapper();
            $steps = $dm->load_questions_usages_latest_steps(new \qubaid_list($uniqueids), null,
                'qas.id, qa.questionusageid, qa.slot, qa.maxmark, qas.fraction');
            foreach ($steps as $step) {
                $marks[$step->questionusageid][(int)$step->slot] = [
                    'slot' => (int)$step->slot,
                    'mark' => $step->fraction === null ? null : (float)$step->fraction * (float)$step->maxmark,
                    'maxmark' => (float)$step->maxmark,
                ];
            }
        }
        foreach ($attempts as $a) {
            $questions = $marks[$a->uniqueid] ?? [];
            ksort($questions);
            $out['attempts'][] = [
                'id' => (int)$a->id,
                'quiz' => (int)$a->quiz,
                'userid' => (int)$a->userid,
                'attempt' => (int)$a->attempt,
                'state' => $a->state,
                'timestart' => (int)$a->timestart,
                'timefinish' => (int)$a->timefinish,
                'timemodified' => (int)$a->timemodified,
                'sumgrades' => $a->sumgrades === null ? null : (float)$a->sumgrades,
                'questions' => array_values($questions),
            ];
        }

        // Grades (every item of the course, the course total included).
        $rs = $DB->get_recordset_sql(
            "SELECT gg.id, gg.itemid, gg.userid, gg.finalgrade, gg.timecreated, gg.timemodified,
                    gg.hidden, gg.overridden
               FROM {grade_grades} gg
               JOIN {grade_items} gi ON gi.id = gg.itemid
              WHERE gi.courseid = :courseid AND gg.userid $usql
                AND COALESCE(gg.timemodified, gg.timecreated, 0) >= :since
           ORDER BY gg.userid, gg.itemid", $uparams + $base + ['since' => $since]);
        foreach ($rs as $row) {
            $graded = $row->overridden ? $row->overridden : $row->timemodified;
            $out['grades'][] = [
                'itemid' => (int)$row->itemid,
                'userid' => (int)$row->userid,
                'finalgrade' => $row->finalgrade === null ? null : (float)$row->finalgrade,
                'timemodified' => $graded === null ? null : (int)$graded,
                'datesubmitted' => $row->timecreated === null ? null : (int)$row->timecreated,
                'hidden' => (int)$row->hidden,
                'overridden' => (int)$row->overridden,
            ];
        }
        $rs->close();

        // Course completion (as the completion cron aggregated it).
        if ($course->enablecompletion) {
            $rs = $DB->get_recordset_select('course_completions',
                "course = :courseid AND userid $usql AND (:since = 0 OR COALESCE(timecompleted, 0) >= :since2)",
                $uparams + $base + ['since' => $since, 'since2' => $since], 'userid',
                'id, userid, timeenrolled, timestarted, timecompleted');
            foreach ($rs as $row) {
                $out['coursecompletions'][] = [
                    'userid' => (int)$row->userid,
                    'timeenrolled' => (int)$row->timeenrolled,
                    'timestarted' => (int)$row->timestarted,
                    'timecompleted' => $row->timecompleted ? (int)$row->timecompleted : null,
                ];
            }
            $rs->close();
        }
        return $out;
    }

    /**
     * The course's structure: profile fields, modules, quizzes and grade items.
     *
     * @param \stdClass $course
     * @param \course_modinfo $modinfo
     * @param array $out filled in
     */
    private static function structure(\stdClass $course, \course_modinfo $modinfo, array &$out): void {
        global $DB;
        foreach ($DB->get_records('user_info_field', null, 'sortorder, id', 'id, shortname, name, datatype') as $f) {
            $out['profilefields'][] = ['shortname' => $f->shortname, 'name' => $f->name, 'datatype' => $f->datatype];
        }
        foreach ($modinfo->get_sections() as $sectionnum => $cmids) {
            foreach ($cmids as $cmid) {
                $cm = $modinfo->get_cm($cmid);
                if ($cm->deletioninprogress) {
                    continue;
                }
                $out['modules'][] = [
                    'cmid' => (int)$cm->id,
                    'modname' => $cm->modname,
                    'instance' => (int)$cm->instance,
                    'name' => $cm->get_name(),
                    'idnumber' => (string)$cm->idnumber,
                    'sectionnum' => (int)$sectionnum,
                    'completion' => (int)$cm->completion,
                    'visible' => (int)$cm->visible,
                ];
            }
        }
        $quizcms = $modinfo->get_instances_of('quiz');
        foreach ($DB->get_records('quiz', ['course' => $course->id], 'id') as $quiz) {
            if (!isset($quizcms[$quiz->id])) {
                continue;
            }
            $out['quizzes'][] = [
                'id' => (int)$quiz->id,
                'cmid' => (int)$quizcms[$quiz->id]->id,
                'name' => $quiz->name,
                'sumgrades' => (float)$quiz->sumgrades,
                'grade' => (float)$quiz->grade,
                'gradepass' => (float)$DB->get_field('grade_items', 'gradepass', [
                    'courseid' => $course->id, 'itemtype' => 'mod', 'itemmodule' => 'quiz',
                    'iteminstance' => $quiz->id, 'itemnumber' => 0]),
                'grademethod' => (int)$quiz->grademethod,
                'attempts' => (int)$quiz->attempts,
            ];
        }
        $items = $DB->get_records('grade_items', ['courseid' => $course->id], 'sortorder, id');
        foreach ($items as $item) {
            $cmid = null;
            if ($item->itemtype === 'mod') {
                $instances = $modinfo->get_instances_of($item->itemmodule);
                $cmid = isset($instances[$item->iteminstance]) ? (int)$instances[$item->iteminstance]->id : null;
            }
            $out['gradeitems'][] = [
                'id' => (int)$item->id,
                'itemtype' => $item->itemtype,
                'itemmodule' => $item->itemmodule,
                'iteminstance' => $item->iteminstance === null ? null : (int)$item->iteminstance,
                'cmid' => $cmid,
                'idnumber' => (string)$item->idnumber,
                'name' => (string)$item->itemname,
                'grademin' => (float)$item->grademin,
                'grademax' => (float)$item->grademax,
            ];
        }
    }

    /**
     * The page.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'course' => new external_single_structure([
                'id' => new external_value(PARAM_INT, 'Course id'),
                'shortname' => new external_value(PARAM_TEXT, 'Short name'),
                'fullname' => new external_value(PARAM_TEXT, 'Full name'),
                'idnumber' => new external_value(PARAM_RAW, 'Course idnumber'),
                'startdate' => new external_value(PARAM_INT, 'Start date'),
                'enddate' => new external_value(PARAM_INT, 'End date'),
            ]),
            'profilefields' => new external_multiple_structure(new external_single_structure([
                'shortname' => new external_value(PARAM_ALPHANUMEXT, 'Field short name'),
                'name' => new external_value(PARAM_TEXT, 'Field name'),
                'datatype' => new external_value(PARAM_ALPHANUMEXT, 'menu, text, checkbox, ...'),
            ]), 'First page only'),
            'modules' => new external_multiple_structure(new external_single_structure([
                'cmid' => new external_value(PARAM_INT, 'Course module id'),
                'modname' => new external_value(PARAM_PLUGIN, 'Module type'),
                'instance' => new external_value(PARAM_INT, 'Instance id'),
                'name' => new external_value(PARAM_TEXT, 'Activity name'),
                'idnumber' => new external_value(PARAM_RAW, 'Course module idnumber'),
                'sectionnum' => new external_value(PARAM_INT, 'Section number'),
                'completion' => new external_value(PARAM_INT, '0 none, 1 manual, 2 automatic'),
                'visible' => new external_value(PARAM_INT, 'Visible'),
            ]), 'First page only, in section order'),
            'quizzes' => new external_multiple_structure(new external_single_structure([
                'id' => new external_value(PARAM_INT, 'Quiz id'),
                'cmid' => new external_value(PARAM_INT, 'Course module id'),
                'name' => new external_value(PARAM_TEXT, 'Quiz name'),
                'sumgrades' => new external_value(PARAM_FLOAT, 'Total marks of the questions'),
                'grade' => new external_value(PARAM_FLOAT, 'Maximum grade of the quiz'),
                'gradepass' => new external_value(PARAM_FLOAT, 'Grade to pass (0: none)'),
                'grademethod' => new external_value(PARAM_INT, '1 highest, 2 average, 3 first, 4 last'),
                'attempts' => new external_value(PARAM_INT, 'Attempts allowed (0: unlimited)'),
            ]), 'First page only'),
            'gradeitems' => new external_multiple_structure(new external_single_structure([
                'id' => new external_value(PARAM_INT, 'Grade item id'),
                'itemtype' => new external_value(PARAM_ALPHA, 'course, mod, manual, category'),
                'itemmodule' => new external_value(PARAM_PLUGIN, 'Module type'),
                'iteminstance' => new external_value(PARAM_INT, 'Instance id'),
                'cmid' => new external_value(PARAM_INT, 'Course module of an activity\'s item (null otherwise)'),
                'idnumber' => new external_value(PARAM_RAW, 'Grade item idnumber'),
                'name' => new external_value(PARAM_TEXT, 'Item name'),
                'grademin' => new external_value(PARAM_FLOAT, 'Minimum grade'),
                'grademax' => new external_value(PARAM_FLOAT, 'Maximum grade'),
            ]), 'First page only'),
            'users' => new external_multiple_structure(new external_single_structure([
                'id' => new external_value(PARAM_INT, 'User id'),
                'username' => new external_value(PARAM_RAW, 'Username'),
                'firstname' => new external_value(PARAM_TEXT, 'First name'),
                'lastname' => new external_value(PARAM_TEXT, 'Last name'),
                'email' => new external_value(PARAM_RAW, 'Email'),
                'idnumber' => new external_value(PARAM_RAW, 'User idnumber'),
                'firstaccess' => new external_value(PARAM_INT, 'First access to the site'),
                'lastaccess' => new external_value(PARAM_INT, 'Last access to the site'),
                'lastcourseaccess' => new external_value(PARAM_INT, 'Last access to the course'),
                'timeenrolled' => new external_value(PARAM_INT,
                    'Earliest creation time of the user\'s enrolments in the course'),
                'suspended' => new external_value(PARAM_BOOL,
                    'Every enrolment of the user in the course is suspended or disabled'),
                'roles' => new external_multiple_structure(
                    new external_value(PARAM_ALPHANUMEXT, 'Role shortname'), 'Role shortnames in the course'),
                'profile' => new external_multiple_structure(new external_single_structure([
                    'shortname' => new external_value(PARAM_ALPHANUMEXT, 'Field short name'),
                    'value' => new external_value(PARAM_RAW, 'Value'),
                ])),
            ])),
            'completions' => new external_multiple_structure(new external_single_structure([
                'userid' => new external_value(PARAM_INT, 'User id'),
                'cmid' => new external_value(PARAM_INT, 'Course module id'),
                'completionstate' => new external_value(PARAM_INT, '0 incomplete, 1 complete, 2 pass, 3 fail'),
                'timemodified' => new external_value(PARAM_INT, 'Last change'),
                'overrideby' => new external_value(PARAM_INT, 'User who overrode the state (null: none)'),
            ])),
            'attempts' => new external_multiple_structure(new external_single_structure([
                'id' => new external_value(PARAM_INT, 'Attempt id'),
                'quiz' => new external_value(PARAM_INT, 'Quiz id'),
                'userid' => new external_value(PARAM_INT, 'User id'),
                'attempt' => new external_value(PARAM_INT, 'Attempt number'),
                'state' => new external_value(PARAM_ALPHA, 'inprogress, overdue, finished, abandoned'),
                'timestart' => new external_value(PARAM_INT, 'Start'),
                'timefinish' => new external_value(PARAM_INT, 'Finish (0: not finished)'),
                'timemodified' => new external_value(PARAM_INT, 'Last change'),
                'sumgrades' => new external_value(PARAM_FLOAT, 'Raw marks (null: not graded)'),
                'questions' => new external_multiple_structure(new external_single_structure([
                    'slot' => new external_value(PARAM_INT, 'Slot'),
                    'mark' => new external_value(PARAM_FLOAT, 'Marks awarded (null: not graded)'),
                    'maxmark' => new external_value(PARAM_FLOAT, 'Maximum mark'),
                ])),
            ])),
            'grades' => new external_multiple_structure(new external_single_structure([
                'itemid' => new external_value(PARAM_INT, 'Grade item id'),
                'userid' => new external_value(PARAM_INT, 'User id'),
                'finalgrade' => new external_value(PARAM_FLOAT, 'null: no grade'),
                'timemodified' => new external_value(PARAM_INT, 'When graded: the override time, else timemodified'),
                'datesubmitted' => new external_value(PARAM_INT, 'grade_grades.timecreated'),
                'hidden' => new external_value(PARAM_INT, '0, 1 or the time until which it is hidden'),
                'overridden' => new external_value(PARAM_INT, '0 or the time it was overridden'),
            ])),
            'coursecompletions' => new external_multiple_structure(new external_single_structure([
                'userid' => new external_value(PARAM_INT, 'User id'),
                'timeenrolled' => new external_value(PARAM_INT, 'Enrolled'),
                'timestarted' => new external_value(PARAM_INT, 'Started'),
                'timecompleted' => new external_value(PARAM_INT, 'null: not completed'),
            ])),
            'totalusers' => new external_value(PARAM_INT, 'Enrolled users in the course'),
            'nextafteruserid' => new external_value(PARAM_INT, 'Pass as afteruserid for the next page'),
            'hasmore' => new external_value(PARAM_BOOL, 'More pages follow'),
        ]);
    }
}
